package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jray.api.ActorHandle;
import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.api.exception.ActorDiedException;
import io.jray.api.exception.TaskCancelledException;
import io.jray.common.process.NodeOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Actors end to end: creation by GCS on a real node, ordered calls, handles passed around, faults. */
class ActorsIT {
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(2)).driver();

  @Test
  void twoThousandPipelinedCallsReturnOneToTwoThousandInOrder() {
    ActorHandle<TestActors.Counter> c = JRay.actor(TestActors.Counter::new).remote();
    List<ObjectRef<Integer>> refs = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      refs.add(c.task(TestActors.Counter::add, 1).remote());
    }
    assertThat(JRay.get(refs)).containsExactlyElementsOf(IntStream.rangeClosed(1, 2000).boxed().toList());
    c.kill();
  }

  @Test
  void callsWithRefArgumentsResolvingInReverseOrderRunInSubmissionOrder() {
    ActorHandle<TestActors.Counter> c = JRay.actor(TestActors.Counter::new, 0).remote();
    List<ObjectRef<Integer>> refs = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      // the first argument is ready last
      ObjectRef<Integer> arg = JRay.task(TestActors::delayed, i, (6 - i) * 300L).remote();
      refs.add(c.task(TestActors.Counter::add, arg).remote());
    }
    JRay.get(refs);
    assertThat(c.task(TestActors.Counter::seen).remote().get()).containsExactly(1, 2, 3, 4, 5);
    c.kill();
  }

  @Test
  void constructorThatThrowsMakesEveryCallRaiseActorDiedWithItsException() {
    ActorHandle<TestActors.FailingConstructor> a = JRay.actor(TestActors.FailingConstructor::new, "no way").remote();
    assertThatThrownBy(() -> a.task(TestActors.FailingConstructor::ping).remote().get(Duration.ofSeconds(60)))
        .isInstanceOf(ActorDiedException.class).hasMessageContaining("no way")
        .hasRootCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void inheritedAndDefaultMethodsAndStaticFactoriesWork() {
    ActorHandle<TestActors.Derived> d = JRay.actor(TestActors.Derived::create, "t1").remote();
    assertThat(d.task(TestActors.Derived::tag).remote().get()).isEqualTo("t1");
    assertThat(d.task(TestActors.Derived::name).remote().get()).isEqualTo("base");
    assertThat(d.task(TestActors.Derived::greet, "you").remote().get()).isEqualTo("hello you");
    d.kill();
  }

  @Test
  void handlePassedToTenTasksCallingItAHundredTimesEachCountsAThousand() {
    ActorHandle<TestActors.Counter> c = JRay.actor(TestActors.Counter::new).remote();
    List<ObjectRef<Integer>> tasks = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      tasks.add(JRay.task(TestActors::callCounter, c, 100).remote());
    }
    JRay.get(tasks, Duration.ofMinutes(3));
    assertThat(c.task(TestActors.Counter::get).remote().get()).isEqualTo(1000);
    c.kill();
  }

  @Test
  void handleInsideAListArgumentAndInsideATaskResultWorks() {
    ActorHandle<TestActors.Counter> c = JRay.actor(TestActors.Counter::new, 10).remote();
    assertThat(JRay.task(TestActors::callCounterInList, List.of(c), 5).remote().get()).isEqualTo(15);
    ActorHandle<TestActors.Counter> made = JRay.task(TestActors::makeCounter, 100).remote().get();
    assertThat(made.task(TestActors.Counter::add, 1).remote().get()).isEqualTo(101);
    // an actor calling another through a handle it was given
    assertThat(made.task(TestActors.Counter::addTo, c, 1).remote().get()).isEqualTo(16);
    c.kill();
    made.kill();
  }

  @Test
  void namedActorIsFoundAndADuplicateNameFailsAtRemoteLeavingTheFirstIntact() {
    ActorHandle<TestActors.Counter> first = JRay.actor(TestActors.Counter::new, 7).setName("unique-counter").remote();
    assertThat(first.task(TestActors.Counter::add, 1).remote().get()).isEqualTo(8);
    assertThatThrownBy(() -> JRay.actor(TestActors.Counter::new, 0).setName("unique-counter").remote())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unique-counter");
    ActorHandle<TestActors.Counter> found = JRay.<TestActors.Counter>getActor("unique-counter").orElseThrow();
    assertThat(found.id()).isEqualTo(first.id());
    assertThat(found.task(TestActors.Counter::add, 1).remote().get()).isEqualTo(9);
    assertThat(JRay.getActor("no-such-actor")).isEmpty();
    first.kill();
    assertThat(JRay.getActor("unique-counter")).isEmpty();
    assertThatThrownBy(() -> found.task(TestActors.Counter::get).remote().get(Duration.ofSeconds(30)))
        .isInstanceOf(ActorDiedException.class).hasMessageContaining("killed");
  }

  @Test
  void maxConcurrencyFourOverlapsFourCallsAndTheDefaultNeverOverlaps() {
    ActorHandle<TestActors.Overlap> four = JRay.actor(TestActors.Overlap::new).setMaxConcurrency(4).remote();
    four.task(TestActors.Overlap::maxOverlap).remote().get(); // started
    List<ObjectRef<Integer>> calls = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      calls.add(four.task(TestActors.Overlap::hold, 1000L).remote());
    }
    long start = System.nanoTime();
    JRay.get(calls, Duration.ofSeconds(60));
    double seconds = (System.nanoTime() - start) / 1e9;
    assertThat(four.task(TestActors.Overlap::maxOverlap).remote().get()).isEqualTo(4);
    assertThat(seconds).as("8 one-second calls, 4 at a time").isLessThan(6.0);

    ActorHandle<TestActors.Overlap> one = JRay.actor(TestActors.Overlap::new).remote();
    List<ObjectRef<Integer>> serial = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      serial.add(one.task(TestActors.Overlap::hold, 5L).remote());
    }
    assertThat(JRay.get(serial)).containsOnly(1);
    assertThat(one.task(TestActors.Overlap::maxOverlap).remote().get()).isEqualTo(1);
    four.kill();
    one.kill();
  }

  @Test
  void runtimeContextInsideAnActorNamesIt() {
    ActorHandle<TestActors.Counter> c = JRay.actor(TestActors.Counter::new).remote();
    assertThat(c.task(TestActors.Counter::actorId).remote().get()).isEqualTo(c.id().hex());
    assertThat(c.task(TestActors.Counter::wasRestarted).remote().get()).isFalse();
    assertThat(JRay.runtimeContext().actorId()).isNull();
    c.kill();
  }

  @Test
  void exitActorEndsTheCallAndTheActorForGood() {
    ActorHandle<TestActors.Counter> c = JRay.actor(TestActors.Counter::new).setMaxRestarts(3).setName("exiting").remote();
    long pid = c.task(TestActors.Counter::pid).remote().get();
    assertThatThrownBy(() -> c.task(TestActors.Counter::exit).remote().get(Duration.ofSeconds(30)))
        .isInstanceOf(ActorDiedException.class).hasMessageContaining("exitActor");
    assertThatThrownBy(() -> c.task(TestActors.Counter::get).remote().get(Duration.ofSeconds(30)))
        .isInstanceOf(ActorDiedException.class);
    assertThat(JRay.getActor("exiting")).isEmpty();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
        .until(() -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) == false);
    assertThatThrownBy(JRay::exitActor).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void everyActorCallWorksFromEightPlainThreadsOfTheDriverAtOnce() throws Exception {
    // 16 pending calls per caller: the 8 threads' 200 calls also go through the backpressure
    ActorHandle<TestActors.Counter> c = JRay.actor(TestActors.Counter::new).setMaxPendingCalls(16).remote();
    assertThat(TestActors.fromEightThreads(c)).isEqualTo(200);
    assertThat(c.task(TestActors.Counter::get).remote().get()).isEqualTo(200);
    c.kill();
  }

  @Test
  void listActorsAndStatusShowLiveAndDeadActors() throws Exception {
    ActorHandle<TestActors.Counter> c = JRay.actor(TestActors.Counter::new).setName("listed").remote();
    long pid = c.task(TestActors.Counter::pid).remote().get();
    ActorHandle<TestActors.FailingConstructor> dead = JRay.actor(TestActors.FailingConstructor::new, "listed-dead")
        .remote();
    assertThatThrownBy(() -> dead.task(TestActors.FailingConstructor::ping).remote().get(Duration.ofSeconds(60)))
        .isInstanceOf(ActorDiedException.class);
    System.setProperty("jray.auth.token", cluster.token());
    try {
      String table = CliRunner.inProcess("list", "actors", "--address", cluster.gcsAddress());
      assertThat(table).contains(c.id().hex()).contains("ALIVE").contains("listed").contains(Long.toString(pid))
          .contains(dead.id().hex()).contains("DEAD").contains("listed-dead");
      String json = CliRunner.inProcess("list", "actors", "--json", "--address", cluster.gcsAddress());
      assertThat(json).contains("\"actor_id\":\"" + c.id().hex() + "\"").contains("\"state\":\"ALIVE\"");
      String status = CliRunner.inProcess("status", "--address", cluster.gcsAddress());
      assertThat(status).contains("Actors:").contains("actor " + c.id().hex() + "  ALIVE");
    } finally {
      System.clearProperty("jray.auth.token");
    }
    c.kill();
  }

  @Test
  void queuedAndRunningActorCallsAreCancelledAndTheActorKeepsServing() {
    ActorHandle<TestActors.Counter> c = JRay.actor(TestActors.Counter::new).remote();
    c.task(TestActors.Counter::get).remote().get(Duration.ofSeconds(60));
    ObjectRef<Integer> busy = c.task(TestActors.Counter::sleepThenAdd, 2000L, 1).remote();
    ObjectRef<Integer> queued = c.task(TestActors.Counter::add, 100).remote();
    JRay.cancel(queued);
    assertThatThrownBy(() -> queued.get(Duration.ofSeconds(30))).isInstanceOf(TaskCancelledException.class);
    assertThat(busy.get(Duration.ofSeconds(30))).isEqualTo(1);
    assertThat(c.task(TestActors.Counter::get).remote().get()).as("the cancelled call never ran").isEqualTo(1);

    ObjectRef<Integer> running = c.task(TestActors.Counter::sleepThenAdd, 60_000L, 5).remote();
    c.task(TestActors.Counter::get).remote(); // queued behind it
    long start = System.nanoTime();
    sleepQuietly(500);
    JRay.cancel(running);
    assertThatThrownBy(() -> running.get(Duration.ofSeconds(30))).isInstanceOf(TaskCancelledException.class);
    assertThat(c.task(TestActors.Counter::add, 1).remote().get(Duration.ofSeconds(30)))
        .as("interrupted, so the actor serves the next calls long before the minute is up").isEqualTo(2);
    assertThat((System.nanoTime() - start) / 1e9).isLessThan(30);
    // force would kill the actor: refused, for a call that has not finished (one queued behind a slow one)
    ObjectRef<Integer> slow = c.task(TestActors.Counter::sleepThenAdd, 2000L, 0).remote();
    ObjectRef<Integer> behind = c.task(TestActors.Counter::get).remote();
    assertThatThrownBy(() -> JRay.cancel(behind, true, true)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("actor call");
    assertThat(slow.get(Duration.ofSeconds(30))).isEqualTo(2);
    assertThat(behind.get(Duration.ofSeconds(30))).as("a refused cancel changes nothing").isEqualTo(2);
    c.kill();
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void theApiWorksFromEightThreadsOfATaskAndOfAnActor() {
    ActorHandle<TestActors.Counter> c = JRay.actor(TestActors.Counter::new).remote();
    ActorHandle<TestActors.Counter> host = JRay.actor(TestActors.Counter::new).setMaxConcurrency(2).remote();
    assertThat(JRay.task(TestActors::fromEightThreads, c).remote().get(Duration.ofMinutes(3))).isEqualTo(200);
    assertThat(host.task(TestActors.Counter::fromEightThreadsHere, c).remote().get(Duration.ofMinutes(3)))
        .isEqualTo(200);
    assertThat(c.task(TestActors.Counter::get).remote().get()).isEqualTo(400);
    c.kill();
    host.kill();
  }

  @Test
  void actorCallResultsCompleteCompletableFutures() throws Exception {
    ActorHandle<TestActors.Counter> c = JRay.actor(TestActors.Counter::new, 1).remote();
    assertThat(c.task(TestActors.Counter::add, 1).remote().toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS))
        .isEqualTo(2);
    c.kill();
    assertThat(c.task(TestActors.Counter::get).remote().toCompletableFuture())
        .failsWithin(Duration.ofSeconds(60)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withCauseInstanceOf(ActorDiedException.class);
  }
}
