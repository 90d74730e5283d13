package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.api.exception.ObjectLostException;
import io.jray.common.process.NodeOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A driver attached to a non-head node (issue 12 §1): its raylet is killed with kill -9 and the
 * driver goes on through another node. Its puts, whose only copy was in that node's store, raise
 * {@link ObjectLostException}; the results of its tasks that were stored there are made again from
 * lineage; a task running there is retried elsewhere; new tasks and puts work. The driver's node
 * is told apart from the others on one machine by its loopback address (127.0.0.2) and
 * {@code jray.node-ip-address}.
 */
class DriverNodeFailoverIT {
  private static final String DRIVER_NODE_IP = "127.0.0.2";

  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(1))
      .node(NodeOptions.defaults().withCpus(2).withHost(DRIVER_NODE_IP))
      .node(NodeOptions.defaults().withCpus(1))
      .property("jray.node-ip-address", DRIVER_NODE_IP)
      .property("jray.health-check.period-ms", "200").property("jray.health-check.timeout-ms", "500").driver();

  @Test
  void theDriversNodeDiesAndItGoesOnThroughAnotherNode() throws Exception {
    String driverNode = ClusterExtension.nodeHex(cluster.raylet(1));
    List<String> others = List.of(ClusterExtension.nodeHex(cluster.raylet(0)),
        ClusterExtension.nodeHex(cluster.raylet(2)));
    assertThat(JRay.runtimeContext().nodeId().hex()).as("the driver's node").isEqualTo(driverNode);

    ObjectRef<byte[]> put = JRay.put(TestTasks.bytes(4 << 20, 3)); // over the inline limit: in that node's store
    List<ObjectRef<long[]>> maps = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      maps.add(JRay.task(TestTasks::mapLongs, i).setSchedulingStrategy(ClusterExtension.near(cluster.raylet(1)))
          .remote());
    }
    List<long[]> first = JRay.get(maps, Duration.ofMinutes(2));
    for (int i = 0; i < first.size(); i++) {
      assertThat(TestTasks.checksum(first.get(i))).isEqualTo(TestTasks.checksum(TestTasks.longsOf(i)));
    }
    first = null;
    ObjectRef<String> running = JRay.task(TestTasks::nodeAfter, 4_000L)
        .setSchedulingStrategy(ClusterExtension.near(cluster.raylet(1))).setMaxRetries(3).remote();
    assertThat(JRay.wait(List.of(running), 1, Duration.ofMillis(1500)).ready()).isEmpty();

    new ProcessBuilder("kill", "-9", Long.toString(cluster.raylet(1).pid())).start().waitFor();

    Duration bound = Duration.ofMinutes(2);
    assertThat(running.get(bound)).as("the running task, retried elsewhere").isIn(others);
    assertThatThrownBy(() -> put.get(bound)).isInstanceOf(ObjectLostException.class)
        .hasMessageContaining(put.id().toString());
    List<long[]> remade = JRay.get(maps, bound);
    for (int i = 0; i < remade.size(); i++) {
      assertThat(TestTasks.checksum(remade.get(i))).as("map %d, made again", i)
          .isEqualTo(TestTasks.checksum(TestTasks.longsOf(i)));
    }
    assertThat(JRay.task(TestTasks::nodeAfter, 10L).remote().get(bound)).isIn(others);
    byte[] later = TestTasks.bytes(4 << 20, 5);
    ObjectRef<byte[]> laterRef = JRay.put(later);
    assertThat(laterRef.get(bound)).isEqualTo(later);
    assertThat(JRay.task(TestTasks::crc, laterRef).remote().get(bound)).isEqualTo(TestTasks.crc(later));
  }
}
