package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.jray.api.ActorHandle;
import io.jray.api.JRay;
import io.jray.common.process.ClusterLauncher;
import io.jray.common.process.NodeOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The node hosting an actor is killed with kill -9: GCS restarts the actor on another node. */
class ActorNodeDeathIT {
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(0))
      .nodes(2, NodeOptions.defaults().withCpus(1))
      .property("jray.health-check.period-ms", "200").property("jray.health-check.timeout-ms", "500").driver();

  @Test
  void actorRestartsOnAnotherNodeWhenItsNodeDies() throws Exception {
    ActorHandle<TestActors.Counter> c = JRay.actor(TestActors.Counter::new, 10).setMaxRestarts(1).remote();
    String before = c.task(TestActors.Counter::nodeId).remote().get(Duration.ofSeconds(60));
    ClusterLauncher.Started host = cluster.raylets().stream().filter(r -> ClusterExtension.nodeHex(r).equals(before))
        .findFirst().orElseThrow();
    new ProcessBuilder("kill", "-9", Long.toString(host.pid())).start().waitFor();
    // until GCS sees the node dead, calls may still reach the actor's orphaned worker (it exits within a second)
    ActorFaultsIT.awaitRestarted(cluster, c, 1);
    assertThat(c.task(TestActors.Counter::add, 1).remote().get(Duration.ofSeconds(90))).isEqualTo(11);
    assertThat(c.task(TestActors.Counter::nodeId).remote().get()).isNotEqualTo(before);
    assertThat(c.task(TestActors.Counter::wasRestarted).remote().get()).isTrue();
    c.kill();
  }
}
