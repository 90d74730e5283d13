package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.api.exception.ObjectLostException;
import io.jray.api.exception.TaskUnschedulableException;
import io.jray.api.exception.WorkerCrashedException;
import io.jray.common.process.NodeOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The driver's own raylet is killed with kill -9: nothing can be leased any more, so running and
 * queued tasks fail with typed exceptions once GCS marks the node dead, and {@code get} returns;
 * an object the driver put, whose only copy was in that node's store, raises
 * {@link ObjectLostException}.
 */
class LocalRayletDeathIT {
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(1))
      .property("jray.health-check.period-ms", "200").property("jray.health-check.timeout-ms", "500").driver();

  @Test
  void runningAndQueuedTasksFailAndPutsAreLostWhenTheLocalRayletDies() throws Exception {
    ObjectRef<Long> running = JRay.task(TestTasks::sleepMillis, 120_000L).setMaxRetries(5).remote();
    ObjectRef<Long> queued = JRay.task(TestTasks::sleepMillis, 1L).remote();
    ObjectRef<byte[]> put = JRay.put(TestTasks.bytes(4 << 20, 3)); // over the inline limit: in the node's store
    assertThat(JRay.wait(java.util.List.of(running), 1, Duration.ofSeconds(3)).ready()).isEmpty();
    long raylet = cluster.raylets().get(0).pid();
    new ProcessBuilder("kill", "-9", Long.toString(raylet)).start().waitFor();
    Duration bound = Duration.ofSeconds(60);
    assertThatThrownBy(() -> running.get(bound))
        .isInstanceOfAny(WorkerCrashedException.class, TaskUnschedulableException.class)
        .hasMessageContaining("died");
    assertThatThrownBy(() -> queued.get(bound))
        .isInstanceOfAny(WorkerCrashedException.class, TaskUnschedulableException.class)
        .hasMessageContaining("died");
    assertThatThrownBy(() -> put.get(bound)).isInstanceOf(ObjectLostException.class)
        .hasMessageContaining(put.id().toString());
    ObjectRef<Integer> later = JRay.task(TestTasks::noop, 1).remote();
    assertThatThrownBy(() -> later.get(bound)).isInstanceOf(TaskUnschedulableException.class)
        .hasMessageContaining("raylet of node");
  }
}
