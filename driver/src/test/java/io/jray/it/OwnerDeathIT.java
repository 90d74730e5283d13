package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.api.exception.OwnerDiedException;
import io.jray.common.process.NodeOptions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A borrower's get of an object whose owner (a worker) was killed fails fast with OwnerDiedException. */
class OwnerDeathIT {
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(new NodeOptions(2.0, Map.of(), 512L << 20, "127.0.0.1"))
      .workerHeap("512m").driver();

  @Test
  void aKilledOwnersObjectsRaiseOwnerDiedWithinTheDetectionTime() throws Exception {
    TestTasks.Held held = JRay.task(TestTasks::putAndHold, 4 << 20).remote().get(Duration.ofMinutes(2));
    assertThat(held.refs()).hasSize(2);
    new ProcessBuilder("kill", "-9", Long.toString(held.pid())).start().waitFor();
    // GCS takes up to health-check period × threshold (5 s) to declare a node dead; an owner's
    // death shows at once as a failed call to it. Either way a get must end well within 15 s.
    for (ObjectRef<byte[]> r : held.refs()) {
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> r.get(Duration.ofSeconds(15))).isInstanceOf(OwnerDiedException.class)
          .hasMessageContaining("owner of object " + r.id());
      System.out.printf("OwnerDiedException for %s after %d ms%n", r.id(), (System.nanoTime() - t0) / 1_000_000);
    }
  }
}
