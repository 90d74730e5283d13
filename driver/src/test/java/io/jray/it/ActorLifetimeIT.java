package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jray.api.ActorHandle;
import io.jray.api.JRay;
import io.jray.common.process.NodeOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Who keeps an actor alive (DESIGN §4 step 6): a detached one outlives its driver until killed; a
 * non-detached one dies with its owner (exit or kill -9) or when its last handle is collected, and
 * its name is released. Drivers other than this JVM run in JVMs of their own.
 */
class ActorLifetimeIT {
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(2)).driver();

  private static DriverJvm.Ready runDriver(String... args) throws Exception {
    return DriverJvm.untilReady(cluster.gcsAddress(), cluster.token(), ActorDriverProgram.class.getName(), args);
  }

  private static Process start(String mainClass, String... args) throws Exception {
    return DriverJvm.start(cluster.gcsAddress(), cluster.token(), mainClass, args);
  }

  @Test
  void theParameterServerExampleRunsAndChecksItsResult() throws Exception {
    Process p = start(io.jray.examples.ParameterServer.class.getName(), "2", "5", "100");
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("2 workers x 5 rounds pushed 10 updates into 100 weights");
  }

  private static long pidOf(DriverJvm.Ready d) {
    return Long.parseLong(d.line().substring(d.line().indexOf("pid=") + 4).trim());
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  @Test
  void detachedActorOutlivesItsDriverIsFoundByNameAndKilledForGood() throws Exception {
    DriverJvm.Ready first = runDriver("detached", "keeper");
    long actorPid = pidOf(first);
    assertThat(first.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(alive(actorPid)).as("the detached actor's worker outlives its driver").isTrue();

    ActorHandle<TestActors.Counter> found = JRay.<TestActors.Counter>getActor("keeper").orElseThrow();
    assertThat(found.task(TestActors.Counter::get).remote().get()).isEqualTo(5);
    // two drivers call it at once; each sees its own calls in order
    java.util.concurrent.CompletableFuture<List<Integer>> mine = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> {
          List<io.jray.api.ObjectRef<Integer>> refs = new ArrayList<>();
          for (int i = 0; i < 300; i++) {
            refs.add(found.task(TestActors.Counter::add, 1).remote());
          }
          return JRay.get(refs);
        }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    DriverJvm.Ready second = runDriver("count", "keeper", "300");
    assertThat(second.line()).contains("ordered=true");
    List<Integer> ours = mine.get(60, TimeUnit.SECONDS);
    for (int i = 1; i < ours.size(); i++) {
      assertThat(ours.get(i)).isGreaterThan(ours.get(i - 1));
    }
    assertThat(found.task(TestActors.Counter::get).remote().get()).isEqualTo(605);
    assertThat(second.process().waitFor(60, TimeUnit.SECONDS)).isTrue();

    // its job has ended, yet it restarts after a crash: a fresh instance
    new ProcessBuilder("kill", "-9", Long.toString(actorPid)).start().waitFor();
    ActorFaultsIT.awaitRestarted(cluster, found, 1);
    assertThat(found.task(TestActors.Counter::get).remote().get(Duration.ofSeconds(60))).isZero();
    assertThat(found.task(TestActors.Counter::wasRestarted).remote().get()).isTrue();
    long restartedPid = found.task(TestActors.Counter::pid).remote().get();

    found.kill();
    assertThat(JRay.getActor("keeper")).isEmpty();
    await().atMost(Duration.ofSeconds(30)).until(() -> !alive(restartedPid));
  }

  @Test
  void nonDetachedActorDiesWithItsOwnerDriverAndReleasesItsName() throws Exception {
    DriverJvm.Ready owner = runDriver("owned", "owned-exit", "exit");
    long actorPid = pidOf(owner);
    assertThat(owner.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
    await().atMost(Duration.ofSeconds(30)).until(() -> !alive(actorPid));
    await().atMost(Duration.ofSeconds(10)).until(() -> JRay.getActor("owned-exit").isEmpty());
  }

  @Test
  void nonDetachedActorDiesWhenItsOwnerDriverIsKilled() throws Exception {
    DriverJvm.Ready owner = runDriver("owned", "owned-killed", "hang");
    long actorPid = pidOf(owner);
    assertThat(JRay.getActor("owned-killed")).isPresent();
    new ProcessBuilder("kill", "-9", Long.toString(owner.process().pid())).start().waitFor();
    await().atMost(Duration.ofSeconds(30)).until(() -> !alive(actorPid));
    assertThat(JRay.getActor("owned-killed")).isEmpty();
    // the name is free again
    ActorHandle<TestActors.Counter> again = JRay.actor(TestActors.Counter::new).setName("owned-killed").remote();
    assertThat(again.task(TestActors.Counter::add, 2).remote().get()).isEqualTo(2);
    again.kill();
  }

  @Test
  void actorWhoseLastHandleIsCollectedIsDestroyed() {
    long pid = createAndDrop();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
      System.gc();
      return !alive(pid);
    });
  }

  private static long createAndDrop() {
    ActorHandle<TestActors.Counter> c = JRay.actor(TestActors.Counter::new).remote();
    return c.task(TestActors.Counter::pid).remote().get();
  }
}
