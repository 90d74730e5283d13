package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.api.exception.WorkerCrashedException;
import io.jray.common.process.NodeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failure of JRay's machinery is never reported as the task's own exception: a worker whose
 * raylet (and store) is killed with kill -9 while its task is using the store exits at once, and
 * the owner retries the task elsewhere as after a worker crash, counted against maxRetries.
 */
class RuntimeFailureIT {
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(1))
      .nodes(2, NodeOptions.defaults().withCpus(1))
      .property("jray.health-check.period-ms", "300").property("jray.health-check.timeout-ms", "600").driver();

  private static long awaitPid(Path pidFile) {
    await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(pidFile) && Files.size(pidFile) > 0);
    try {
      return Long.parseLong(Files.readString(pidFile).trim());
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Once the task has started (its pid is in the file), kills its node's raylet only: the worker is left to find out. */
  private static long killRayletUnder(Path pidFile, io.jray.common.process.ClusterLauncher.Started node)
      throws Exception {
    long worker = awaitPid(pidFile);
    assertThat(new ProcessBuilder("kill", "-9", Long.toString(node.pid())).start().waitFor()).isZero();
    return worker;
  }

  @Test
  void aTaskWhoseStoreDiesUnderItIsRetriedElsewhereNotFailedWithTheStoresError(@TempDir Path dir) throws Exception {
    var node = cluster.raylet(1);
    Path pidFile = dir.resolve("pid");
    ObjectRef<String> r = JRay.task(TestTasks::putsFor, pidFile.toString(), 60_000L).setMaxRetries(2)
        .setSchedulingStrategy(ClusterExtension.near(node)).remote();
    long worker = killRayletUnder(pidFile, node);
    String ranOn = r.get(Duration.ofSeconds(120));
    assertThat(ranOn).isNotEqualTo(ClusterExtension.nodeHex(node));
    // and the worker whose raylet is gone exited
    await().atMost(Duration.ofSeconds(30)).until(() -> ProcessHandle.of(worker).isEmpty()
        || !ProcessHandle.of(worker).get().isAlive());
  }

  @Test
  void withoutRetriesItIsAWorkerCrashNotATaskException(@TempDir Path dir) throws Exception {
    var node = cluster.raylet(2);
    Path pidFile = dir.resolve("pid");
    ObjectRef<String> r = JRay.task(TestTasks::putsFor, pidFile.toString(), 60_000L).setMaxRetries(0)
        .setSchedulingStrategy(ClusterExtension.on(node)).remote();
    killRayletUnder(pidFile, node);
    assertThatThrownBy(() -> r.get(Duration.ofSeconds(120))).isInstanceOf(WorkerCrashedException.class)
        .hasMessageContaining("TestTasks.putsFor").hasMessageContaining("maxRetries=0");
  }
}
