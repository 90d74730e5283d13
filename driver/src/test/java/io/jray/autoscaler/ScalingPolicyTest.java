package io.jray.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The decisions alone, on clusters described by hand (no processes: the policy is pure logic). */
class ScalingPolicyTest {
  private static final NodeType CPU = new NodeType("cpu", Map.of("CPU", 2.0), 0, 3);
  private static final NodeType ACCEL = new NodeType("accel", Map.of("CPU", 1.0, "accel", 1.0), 0, 2);
  private static final ClusterNode HEAD = new ClusterNode("head", null, true, Map.of("CPU", 0.0), Map.of("CPU", 0.0), 0);

  private static ScalingPolicy policy(double speed, int maxWorkers, NodeType... types) {
    Map<String, NodeType> m = new LinkedHashMap<>();
    for (NodeType t : types) {
      m.put(t.name(), t);
    }
    return new ScalingPolicy(new AutoscalingConfig(Path.of("/tmp/c.yaml"), "t", ProviderConfig.local(), 10, speed,
        maxWorkers, Map.of(), m));
  }

  private static ScalingPolicy policy(NodeType... types) {
    return policy(1.0, Integer.MAX_VALUE, types);
  }

  private static Demand demand(Map<String, Double> shape, int count) {
    return new Demand(shape, count);
  }

  @Test
  void aShapeThatFitsOneTypeOnlyLaunchesThatType() {
    ScalingPlan p = policy(CPU, ACCEL).decide(List.of(HEAD), Map.of(),
        List.of(demand(Map.of("CPU", 1.0, "accel", 1.0), 2)));
    assertThat(p.launches()).isEqualTo(Map.of("accel", 2));
    assertThat(p.decisions()).anySatisfy(d -> assertThat(d).startsWith("launch 2 x accel")
        .contains("demand {CPU: 1, accel: 1} x 2"));
    assertThat(p.demand().getFirst().outcome()).contains("2 on new accel nodes");
  }

  @Test
  void plainCpuDemandGoesToTheTypeItUsesBest() {
    // both types fit {CPU: 1}, but an accel node's accelerator would sit idle
    ScalingPlan p = policy(ACCEL, CPU).decide(List.of(HEAD), Map.of(), List.of(demand(Map.of("CPU", 1.0), 4)));
    assertThat(p.launches()).isEqualTo(Map.of("cpu", 2));
  }

  @Test
  void demandThatFitsFreeResourcesLaunchesNothing() {
    ClusterNode worker = new ClusterNode("w1", "cpu", false, Map.of("CPU", 2.0), Map.of("CPU", 2.0), 0);
    ScalingPlan p = policy(CPU).decide(List.of(HEAD, worker), Map.of(), List.of(demand(Map.of("CPU", 1.0), 2)));
    assertThat(p.launches()).isEmpty();
    assertThat(p.demand().getFirst().outcome()).isEqualTo("2 fit the nodes there are and the launches pending");
  }

  @Test
  void pendingLaunchesCountSoNothingIsLaunchedTwice() {
    List<Demand> d = List.of(demand(Map.of("CPU", 1.0), 4));
    ScalingPlan first = policy(CPU).decide(List.of(HEAD), Map.of(), d);
    assertThat(first.launches()).isEqualTo(Map.of("cpu", 2));
    // next round: the two launched have not registered yet, and the demand is unchanged
    ScalingPlan second = policy(CPU).decide(List.of(HEAD), Map.of("cpu", 2), d);
    assertThat(second.launches()).isEmpty();
    // one more task: one more node
    ScalingPlan third = policy(CPU).decide(List.of(HEAD), Map.of("cpu", 2), List.of(demand(Map.of("CPU", 1.0), 5)));
    assertThat(third.launches()).isEqualTo(Map.of("cpu", 1));
  }

  @Test
  void maxWorkersCapsEachTypeAndTheCluster() {
    ScalingPlan p = policy(CPU).decide(List.of(HEAD), Map.of(), List.of(demand(Map.of("CPU", 1.0), 12)));
    assertThat(p.launches()).isEqualTo(Map.of("cpu", 3));
    assertThat(p.demand().getFirst().outcome()).contains("6 on new cpu nodes").contains("6 wait: cpu at maxWorkers");
    ClusterNode w = new ClusterNode("w1", "cpu", false, Map.of("CPU", 2.0), Map.of("CPU", 0.0), 0);
    assertThat(policy(CPU).decide(List.of(HEAD, w), Map.of("cpu", 2), List.of(demand(Map.of("CPU", 1.0), 12)))
        .launches()).isEmpty();
    // the cluster's maxWorkers counts every type
    ScalingPlan capped = policy(1.0, 2, CPU, ACCEL).decide(List.of(HEAD), Map.of("cpu", 1),
        List.of(demand(Map.of("CPU", 1.0), 6), demand(Map.of("accel", 1.0), 2)));
    assertThat(capped.launchCount()).isEqualTo(1);
  }

  @Test
  void upscalingSpeedLimitsLaunchesAtOnceAsInRay() {
    NodeType big = new NodeType("cpu", Map.of("CPU", 1.0), 0, 100);
    // nothing running: Ray's 5 initial nodes at most
    ScalingPlan start = policy(1.0, Integer.MAX_VALUE, big).decide(List.of(HEAD), Map.of(),
        List.of(demand(Map.of("CPU", 1.0), 50)));
    assertThat(start.launches()).isEqualTo(Map.of("cpu", 5));
    assertThat(start.decisions()).anySatisfy(d -> assertThat(d).startsWith("hold back 45 x cpu")
        .contains("upscalingSpeed 1"));
    // 20 running at speed 0.5: 10 pending at most, of which 4 are pending already
    List<ClusterNode> nodes = new ArrayList<>(List.of(HEAD));
    for (int i = 0; i < 20; i++) {
      nodes.add(new ClusterNode("w" + i, "cpu", false, Map.of("CPU", 1.0), Map.of("CPU", 0.0), 0));
    }
    ScalingPlan half = policy(0.5, Integer.MAX_VALUE, big).decide(nodes, Map.of("cpu", 4),
        List.of(demand(Map.of("CPU", 1.0), 50)));
    assertThat(half.launches()).isEqualTo(Map.of("cpu", 6));
    ScalingPlan twice = policy(2.0, Integer.MAX_VALUE, big).decide(nodes, Map.of(),
        List.of(demand(Map.of("CPU", 1.0), 30)));
    assertThat(twice.launches()).isEqualTo(Map.of("cpu", 30));
  }

  @Test
  void minWorkersAreLaunchedWithoutDemandAndKeptWhenIdle() {
    NodeType min1 = new NodeType("cpu", Map.of("CPU", 2.0), 1, 3);
    ScalingPlan p = policy(min1).decide(List.of(HEAD), Map.of(), List.of());
    assertThat(p.launches()).isEqualTo(Map.of("cpu", 1));
    assertThat(p.decisions()).anySatisfy(d -> assertThat(d).contains("minWorkers 1 (has 0)"));
    // min workers' capacity counts for the demand of the same round
    assertThat(policy(min1).decide(List.of(HEAD), Map.of(), List.of(demand(Map.of("CPU", 1.0), 2))).launches())
        .isEqualTo(Map.of("cpu", 1));
    // two idle past the timeout, min 1: one goes, the one idle longest
    ClusterNode a = new ClusterNode("a", "cpu", false, Map.of("CPU", 2.0), Map.of("CPU", 2.0), 20_000);
    ClusterNode b = new ClusterNode("b", "cpu", false, Map.of("CPU", 2.0), Map.of("CPU", 2.0), 30_000);
    ScalingPlan idle = policy(min1).decide(List.of(HEAD, a, b), Map.of(), List.of());
    assertThat(idle.terminations()).extracting(ScalingPlan.Termination::nodeId).containsExactly("b");
    assertThat(idle.launches()).isEmpty();
    assertThat(idle.decisions()).anySatisfy(d -> assertThat(d).startsWith("terminate node b (cpu): idle 30 s")
        .contains("idleTimeoutSeconds 10").contains("minWorkers 1"));
  }

  @Test
  void idleTimeoutNeverTerminatesTheHeadNorForeignNorBusyNodes() {
    ClusterNode idleHead = new ClusterNode("head", null, true, Map.of("CPU", 2.0), Map.of("CPU", 2.0), 99_000);
    ClusterNode joinedByHand = new ClusterNode("x", null, false, Map.of("CPU", 2.0), Map.of("CPU", 2.0), 99_000);
    ClusterNode young = new ClusterNode("y", "cpu", false, Map.of("CPU", 2.0), Map.of("CPU", 2.0), 9_999);
    ClusterNode old = new ClusterNode("o", "cpu", false, Map.of("CPU", 2.0), Map.of("CPU", 2.0), 10_000);
    ScalingPlan p = policy(CPU).decide(List.of(idleHead, joinedByHand, young, old), Map.of(), List.of());
    assertThat(p.terminations()).extracting(ScalingPlan.Termination::nodeId).containsExactly("o");
  }

  @Test
  void infeasibleDemandLaunchesNothingAndIsReported() {
    ScalingPlan p = policy(CPU, ACCEL).decide(List.of(HEAD), Map.of(), List.of(demand(Map.of("gpu", 1.0), 3)));
    assertThat(p.launches()).isEmpty();
    assertThat(p.demand().getFirst().infeasible()).isTrue();
    assertThat(p.demand().getFirst().outcome()).contains("3 infeasible: no node type offers this shape")
        .contains("accel {CPU: 1, accel: 1}");
    assertThat(p.decisions()).anySatisfy(d -> assertThat(d).startsWith("demand {gpu: 1} x 3: 3 infeasible"));
    // too big for every type at once is infeasible too
    assertThat(policy(CPU).decide(List.of(HEAD), Map.of(), List.of(demand(Map.of("CPU", 4.0), 1))).launches())
        .isEmpty();
  }

  @Test
  void largestShapesArePackedFirst() {
    // 1 x {CPU: 2} and 2 x {CPU: 1}: two cpu nodes, not three
    ScalingPlan p = policy(CPU).decide(List.of(HEAD), Map.of(),
        List.of(demand(Map.of("CPU", 1.0), 2), demand(Map.of("CPU", 2.0), 1)));
    assertThat(p.launches()).isEqualTo(Map.of("cpu", 2));
  }
}
