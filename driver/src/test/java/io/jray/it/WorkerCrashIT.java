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

/** A worker killed with kill -9 in the middle of a task: retried, or WorkerCrashedException. */
class WorkerCrashIT {
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(2)).driver();

  private static long awaitPid(Path pidFile) throws Exception {
    await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(pidFile) && Files.size(pidFile) > 0);
    return Long.parseLong(Files.readString(pidFile).trim());
  }

  private static void kill9(long pid) throws Exception {
    Process k = new ProcessBuilder("kill", "-9", Long.toString(pid)).inheritIO().start();
    assertThat(k.waitFor()).isZero();
  }

  @Test
  void killedWorkerIsRetriedAndTheResultIsCorrect(@TempDir Path dir) throws Exception {
    Path pidFile = dir.resolve("pid");
    ObjectRef<Integer> r = JRay.task(TestTasks::crashOnce, pidFile.toString()).remote();
    long pid = awaitPid(pidFile);
    assertThat(pid).isNotEqualTo(ProcessHandle.current().pid());
    kill9(pid);
    assertThat(r.get(Duration.ofSeconds(120))).isEqualTo(42);
  }

  @Test
  void withoutRetriesTheDriverGetsWorkerCrashedException(@TempDir Path dir) throws Exception {
    Path pidFile = dir.resolve("pid");
    ObjectRef<Integer> r = JRay.task(TestTasks::crashOnce, pidFile.toString()).setMaxRetries(0).remote();
    kill9(awaitPid(pidFile));
    assertThatThrownBy(() -> r.get(Duration.ofSeconds(60))).isInstanceOf(WorkerCrashedException.class)
        .hasMessageContaining("TestTasks.crashOnce").hasMessageContaining("maxRetries=0");
    // the node goes on: its CPU came back and a new worker serves the next task
    assertThat(JRay.task(TestTasks::noop, 7).remote().get(Duration.ofSeconds(60))).isEqualTo(7);
  }
}
