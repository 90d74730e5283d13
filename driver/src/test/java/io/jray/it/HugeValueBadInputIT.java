package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.jray.common.process.NodeOptions;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A value past every 2 GiB limit (issue 12 §3, README "no 2 GiB limit"): a 3 GiB {@code long[]}
 * is put, got back whole, and read by a task on another node (a cross-node pull of 3 GiB). The
 * driver runs in a JVM of its own with a 5 GiB heap, the workers with 6 GiB (G1 needs the 3 GiB array in one contiguous run of regions); each store holds
 * 3.5 GiB, so the suite's machine (24 GiB) carries it with nothing else running.
 */
class HugeValueBadInputIT {
  private static final long STORE = 3584L << 20;
  /** 3 GiB of longs. */
  private static final int LENGTH = (int) ((3L << 30) / Long.BYTES);
  private static final Pattern READY = Pattern.compile(
      "READY expected=(-?\\d+) local=(-?\\d+) remote=(-?\\d+) put_ms=(\\d+) get_ms=(\\d+) remote_task_ms=(\\d+)");

  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(new NodeOptions(1.0, Map.of(), STORE, "127.0.0.1"))
      .node(new NodeOptions(1.0, Map.of(), STORE, "127.0.0.1")).workerHeap("6g");

  @Test
  void aThreeGibLongArrayRoundTripsThroughPutGetAndAnotherNode() throws Exception {
    DriverJvm.Ready run = DriverJvm.untilReadyWithHeap("5g", cluster.gcsAddress(), cluster.token(),
        HugeValueDriverProgram.class.getName(), ClusterExtension.nodeHex(cluster.raylet(1)), Integer.toString(LENGTH));
    System.out.println("HugeValueBadInputIT: " + run.line());
    Matcher m = READY.matcher(run.line());
    assertThat(m.matches()).as(run.line()).isTrue();
    assertThat(m.group(2)).as("checksum of the value got back").isEqualTo(m.group(1));
    assertThat(m.group(3)).as("checksum computed by the task on the other node").isEqualTo(m.group(1));
    run.process().waitFor();
  }
}
