package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.api.exception.GetTimeoutException;
import io.jray.common.process.NodeOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Leases respect the node's resources: CPU limits concurrency, a missing resource is infeasible. */
class ResourceAccountingIT {
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(2)).driver();

  @Test
  void sixOneCpuTasksOnTwoCpusNeverOverlapMoreThanTwo() {
    List<ObjectRef<long[]>> refs = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      refs.add(JRay.task(TestTasks::timed, 1000L).remote());
    }
    List<long[]> spans = JRay.get(refs);
    int maxOverlap = 0;
    for (long[] s : spans) {
      // how many tasks run at the instant this one starts (itself included)
      int running = 0;
      for (long[] o : spans) {
        if (o[0] <= s[0] && s[0] < o[1]) {
          running++;
        }
      }
      maxOverlap = Math.max(maxOverlap, running);
    }
    assertThat(maxOverlap).isBetween(1, 2);
  }

  @Test
  void taskNeedingAMissingResourceIsInfeasiblePendingAndReported() {
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true));
    ObjectRef<Integer> r;
    try {
      r = JRay.task(TestTasks::needsAccel).setResource("accel", 1).remote();
      await().atMost(Duration.ofSeconds(30)).until(() -> captured.toString().contains("cannot be scheduled"));
    } finally {
      System.setErr(err);
    }
    assertThat(captured.toString()).contains("accel");
    // still pending, not failed: get times out, wait reports it unready, the driver carries on
    assertThatThrownBy(() -> r.get(Duration.ofMillis(500))).isInstanceOf(GetTimeoutException.class);
    assertThat(JRay.wait(List.of(r), 1, Duration.ofMillis(200)).unready()).containsExactly(r);
    assertThat(JRay.task(TestTasks::noop, 5).remote().get()).isEqualTo(5);
    // the raylet reports the demand as infeasible (what `jray status` prints)
    assertThat(cluster.nodeStats().getDemandList()).anySatisfy(d -> {
      assertThat(d.getInfeasible()).isTrue();
      assertThat(d.getShapeMap()).containsEntry("accel", 1.0);
    });
    String status = CliRunner.inProcess("status", "--address", cluster.gcsAddress());
    assertThat(status).contains("Infeasible demand:").contains("accel");
  }
}
