package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.jray.api.ActorHandle;
import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.api.WaitResult;
import io.jray.api.exception.ActorDiedException;
import io.jray.common.process.NodeOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Actor faults and resources on real processes: a kill -9 of the actor's worker restarts it (up
 * to maxRestarts) and retries calls in flight (up to maxTaskRetries); an actor given a resource
 * holds it while it lives. The head has no CPU, so actors go to the other nodes.
 */
class ActorFaultsIT {
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(0))
      .node(NodeOptions.defaults().withCpus(1))
      .node(NodeOptions.defaults().withCpus(1).withResources(Map.of("accel", 1.0))).driver();

  private static void kill9(long pid) throws Exception {
    new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
  }

  /** Waits until GCS has restarted the actor {@code n} times and it is ALIVE again. */
  static void awaitRestarted(ActorHandle<?> actor, int n) {
    awaitRestarted(cluster, actor, n);
  }

  static void awaitRestarted(ClusterExtension cluster, ActorHandle<?> actor, int n) {
    try (io.jray.common.gcs.GcsClient gcs = new io.jray.common.gcs.GcsClient(cluster.gcsAddress(), cluster.token())) {
      com.google.protobuf.ByteString id = com.google.protobuf.ByteString.copyFrom(actor.id().bytes());
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
        io.jray.proto.ActorInfo a = gcs.getActor(id).orElseThrow();
        return a.getNumRestarts() >= n && a.getState() == io.jray.proto.ActorInfo.State.ALIVE;
      });
    }
  }

  @Test
  void killedWorkerRestartsOnceThenTheActorIsDead() throws Exception {
    ActorHandle<TestActors.Counter> c = JRay.actor(TestActors.Counter::new).setMaxRestarts(1).remote();
    assertThat(c.task(TestActors.Counter::add, 3).remote().get()).isEqualTo(3);
    long first = c.task(TestActors.Counter::pid).remote().get();
    kill9(first);
    awaitRestarted(c, 1);
    // the next call runs on a fresh instance (its state starts over)
    assertThat(c.task(TestActors.Counter::add, 1).remote().get(Duration.ofSeconds(60))).isEqualTo(1);
    assertThat(c.task(TestActors.Counter::wasRestarted).remote().get()).isTrue();
    long second = c.task(TestActors.Counter::pid).remote().get();
    assertThat(second).isNotEqualTo(first);
    kill9(second);
    assertThatThrownBy(() -> c.task(TestActors.Counter::get).remote().get(Duration.ofSeconds(60)))
        .isInstanceOf(ActorDiedException.class).hasMessageContaining(TestActors.Counter.class.getName())
        .hasMessageContaining("no restarts left");
  }

  @Test
  void callInFlightDuringAKillCompletesWithTaskRetries() throws Exception {
    ActorHandle<TestActors.Counter> c = JRay.actor(TestActors.Counter::new).setMaxRestarts(1).setMaxTaskRetries(2)
        .remote();
    long pid = c.task(TestActors.Counter::pid).remote().get();
    ObjectRef<Integer> slow = c.task(TestActors.Counter::sleepThenAdd, 3000L, 7).remote();
    ObjectRef<Integer> after = c.task(TestActors.Counter::add, 1).remote();
    Thread.sleep(1000); // the slow call is running
    kill9(pid);
    assertThat(slow.get(Duration.ofSeconds(60))).isEqualTo(7);
    assertThat(after.get(Duration.ofSeconds(60))).isEqualTo(8);
    c.kill();
  }

  @Test
  void callInFlightWithoutTaskRetriesFailsWithActorDied() throws Exception {
    ActorHandle<TestActors.Counter> c = JRay.actor(TestActors.Counter::new).setMaxRestarts(1).remote();
    long pid = c.task(TestActors.Counter::pid).remote().get();
    ObjectRef<Integer> slow = c.task(TestActors.Counter::sleepThenAdd, 5000L, 7).remote();
    Thread.sleep(1000);
    kill9(pid);
    assertThatThrownBy(() -> slow.get(Duration.ofSeconds(60))).isInstanceOf(ActorDiedException.class)
        .hasMessageContaining("maxTaskRetries=0");
    awaitRestarted(c, 1);
    assertThat(c.task(TestActors.Counter::add, 2).remote().get(Duration.ofSeconds(60))).isEqualTo(2);
    c.kill();
  }

  @Test
  void actorWithAResourceLandsWhereItIsAndHoldsItUntilItDies() throws Exception {
    ActorHandle<TestActors.Counter> a = JRay.actor(TestActors.Counter::new).setResource("accel", 1.0).remote();
    String accelNode = ClusterExtension.nodeHex(cluster.raylet(2));
    assertThat(a.task(TestActors.Counter::nodeId).remote().get(Duration.ofSeconds(60))).isEqualTo(accelNode);
    ObjectRef<String> needsAccel = JRay.task(TestTasks::nodeAfter, 0L).setResource("accel", 1.0).remote();
    WaitResult<String> w = JRay.wait(List.of(needsAccel), 1, Duration.ofSeconds(3));
    assertThat(w.ready()).as("the actor holds the only accel").isEmpty();
    a.kill();
    assertThat(needsAccel.get(Duration.ofSeconds(60))).isEqualTo(accelNode);
  }

  @Test
  void infeasibleActorIsReportedAndCreatedWhenAFittingNodeJoins() throws Exception {
    ActorHandle<TestActors.Counter> a = JRay.actor(TestActors.Counter::new).setResource("rare", 1.0).remote();
    ObjectRef<Integer> call = a.task(TestActors.Counter::add, 1).remote();
    try (io.jray.common.gcs.GcsClient gcs = new io.jray.common.gcs.GcsClient(cluster.gcsAddress(), cluster.token())) {
      com.google.protobuf.ByteString id = com.google.protobuf.ByteString.copyFrom(a.id().bytes());
      await().atMost(Duration.ofSeconds(30)).until(() -> gcs.getActor(id).orElseThrow().getPendingReason()
          .contains("rare"));
    }
    assertThat(JRay.wait(List.of(call), 1, Duration.ofSeconds(1)).ready()).isEmpty();
    cluster.addNode(NodeOptions.defaults().withCpus(1).withResources(Map.of("rare", 1.0)));
    assertThat(call.get(Duration.ofSeconds(90))).isEqualTo(1);
    a.kill();
  }
}
