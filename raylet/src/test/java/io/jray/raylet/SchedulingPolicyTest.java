package io.jray.raylet;

import io.jray.common.proto.ProtoIds;
import static org.assertj.core.api.Assertions.assertThat;

import io.jray.api.NodeId;
import io.jray.proto.SchedulingStrategySpec;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchedulingPolicyTest {
  private static final SchedulingStrategySpec DEFAULT = SchedulingStrategySpec.getDefaultInstance();
  private static final SchedulingStrategySpec SPREAD =
      SchedulingStrategySpec.newBuilder().setKind(SchedulingStrategySpec.Kind.SPREAD).build();

  private static NodeView node(NodeId id, Map<String, Double> total, Map<String, Double> available, boolean alive) {
    return new NodeView(id, "127.0.0.1", 1, ResourceSet.of(total), ResourceSet.of(available), alive);
  }

  private static ResourceSet cpu(double n) {
    return ResourceSet.of(Map.of("CPU", n));
  }

  private static SchedulingStrategySpec affinity(NodeId id, boolean soft) {
    return SchedulingStrategySpec.newBuilder().setKind(SchedulingStrategySpec.Kind.NODE_AFFINITY)
        .setNodeId(ProtoIds.bytes(id)).setSoft(soft).build();
  }

  private final NodeId a = NodeId.fromHex("0a".repeat(16));
  private final NodeId b = NodeId.fromHex("0b".repeat(16));
  private final NodeId c = NodeId.fromHex("0c".repeat(16));

  private Map<NodeId, NodeView> cluster(double aFree, double bFree, double cFree) {
    Map<NodeId, NodeView> m = new LinkedHashMap<>();
    m.put(a, node(a, Map.of("CPU", 4.0), Map.of("CPU", aFree), true));
    m.put(b, node(b, Map.of("CPU", 4.0), Map.of("CPU", bFree), true));
    m.put(c, node(c, Map.of("CPU", 4.0, "accel", 2.0), Map.of("CPU", cFree, "accel", 2.0), true));
    return m;
  }

  @Test
  void hybridStaysLocalBelowTheThresholdThenPicksTheLeastLoaded() {
    SchedulingPolicy p = new SchedulingPolicy(0.5);
    assertThat(p.decide(cpu(1), DEFAULT, a, cluster(4, 4, 4))).isInstanceOf(SchedulingPolicy.Local.class);
    assertThat(p.decide(cpu(1), DEFAULT, a, cluster(3, 4, 4))).isInstanceOf(SchedulingPolicy.Local.class);
    // local half busy: the least loaded node that fits now
    var d = p.decide(cpu(1), DEFAULT, a, cluster(2, 3, 4));
    assertThat(d).isInstanceOfSatisfying(SchedulingPolicy.Spill.class, s -> assertThat(s.node().id()).isEqualTo(c));
    // local is as idle as the best: local wins the tie
    assertThat(p.decide(cpu(1), DEFAULT, a, cluster(2, 2, 2))).isInstanceOf(SchedulingPolicy.Local.class);
    // nobody has room now: wait locally, the local node could run it
    assertThat(p.decide(cpu(1), DEFAULT, a, cluster(0, 0, 0))).isInstanceOf(SchedulingPolicy.Local.class);
  }

  @Test
  void customAndFractionalResourcesRouteOnlyToNodesThatHaveThem() {
    SchedulingPolicy p = new SchedulingPolicy(0.5);
    ResourceSet accel = ResourceSet.of(Map.of("CPU", 0.5, "accel", 1.0));
    var d = p.decide(accel, DEFAULT, a, cluster(4, 4, 0.5));
    assertThat(d).isInstanceOfSatisfying(SchedulingPolicy.Spill.class, s -> assertThat(s.node().id()).isEqualTo(c));
    // c is busy: still c (the only node that could), never a or b
    d = p.decide(accel, DEFAULT, a, cluster(4, 4, 0));
    assertThat(d).isInstanceOfSatisfying(SchedulingPolicy.Spill.class, s -> assertThat(s.node().id()).isEqualTo(c));
    assertThat(p.decide(ResourceSet.of(Map.of("CPU", 0.5)), DEFAULT, a, cluster(0.5, 4, 4)))
        .isInstanceOfSatisfying(SchedulingPolicy.Spill.class, s -> assertThat(s.node().id()).isNotEqualTo(a));
  }

  @Test
  void infeasibleWhenNoAliveNodeIsBigEnoughUntilOneJoins() {
    SchedulingPolicy p = new SchedulingPolicy(0.5);
    ResourceSet gpu = ResourceSet.of(Map.of("GPU", 1.0));
    Map<NodeId, NodeView> m = cluster(4, 4, 4);
    assertThat(p.decide(gpu, DEFAULT, a, m)).isInstanceOf(SchedulingPolicy.Infeasible.class);
    assertThat(p.decide(cpu(5), SPREAD, a, m)).isInstanceOf(SchedulingPolicy.Infeasible.class);
    NodeId g = NodeId.fromHex("0d".repeat(16));
    m.put(g, node(g, Map.of("CPU", 1.0, "GPU", 1.0), Map.of("CPU", 1.0, "GPU", 1.0), true));
    assertThat(p.decide(gpu, DEFAULT, a, m)).isInstanceOfSatisfying(SchedulingPolicy.Spill.class,
        s -> assertThat(s.node().id()).isEqualTo(g));
    m.put(g, node(g, Map.of("CPU", 1.0, "GPU", 1.0), Map.of("CPU", 1.0, "GPU", 1.0), false));
    assertThat(p.decide(gpu, DEFAULT, a, m)).isInstanceOf(SchedulingPolicy.Infeasible.class);
  }

  @Test
  void spreadGoesRoundRobinOverNodesWithRoom() {
    SchedulingPolicy p = new SchedulingPolicy(0.5);
    Map<NodeId, Integer> count = new HashMap<>();
    for (int i = 0; i < 30; i++) {
      var d = p.decide(cpu(1), SPREAD, a, cluster(4, 4, 4));
      NodeId where = d instanceof SchedulingPolicy.Spill s ? s.node().id() : a;
      count.merge(where, 1, Integer::sum);
    }
    assertThat(count).containsEntry(a, 10).containsEntry(b, 10).containsEntry(c, 10);
    // b full: spread over the nodes that have room
    for (int i = 0; i < 10; i++) {
      var d = p.decide(cpu(1), SPREAD, a, cluster(4, 0, 4));
      assertThat(d instanceof SchedulingPolicy.Spill s ? s.node().id() : a).isNotEqualTo(b);
    }
  }

  @Test
  void nodeAffinityPinsAndFallsBackOnlyWhenSoft() {
    SchedulingPolicy p = new SchedulingPolicy(0.5);
    assertThat(p.decide(cpu(1), affinity(b, false), a, cluster(4, 0, 4)))
        .isInstanceOfSatisfying(SchedulingPolicy.Spill.class, s -> assertThat(s.node().id()).isEqualTo(b));
    assertThat(p.decide(cpu(1), affinity(a, false), a, cluster(4, 4, 4))).isInstanceOf(SchedulingPolicy.Local.class);
    Map<NodeId, NodeView> m = cluster(4, 4, 4);
    m.put(b, node(b, Map.of("CPU", 4.0), Map.of("CPU", 4.0), false));
    assertThat(p.decide(cpu(1), affinity(b, false), a, m)).isInstanceOfSatisfying(
        SchedulingPolicy.Unschedulable.class, u -> assertThat(u.why()).contains("dead"));
    assertThat(p.decide(cpu(1), affinity(b, true), a, m)).isInstanceOf(SchedulingPolicy.Local.class);
    assertThat(p.decide(cpu(8), affinity(c, false), a, cluster(4, 4, 4)))
        .isInstanceOf(SchedulingPolicy.Unschedulable.class);
  }
}
