package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.api.exception.TaskCancelledException;
import io.jray.common.process.NodeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code JRay.cancel} end to end on a real 2-CPU node: a task queued behind a full node or
 * waiting for its argument never runs; a running one is interrupted and its worker goes on; force
 * kills the worker and nothing is retried; recursive reaches the child a task submitted; a
 * borrower cancels through the owner; a finished task keeps its value. Each task leaves files
 * behind, which say whether it ran.
 */
class CancelIT {
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(2)).driver();

  private static final Duration START = Duration.ofSeconds(60);

  private static void awaitFile(Path p) {
    await().atMost(START).until(() -> Files.exists(p) && Files.size(p) > 0);
  }

  private static long pidIn(Path p) throws Exception {
    return Long.parseLong(Files.readAllLines(p).get(0).trim());
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /**
   * A worker told to exit is gone within this: it answers, its owner returns the lease as failed
   * and the raylet stops it, or it halts itself after 3 s. Shorter than the owner's 10 s fallback
   * (returning the lease of a worker that did not go), so that the worker's own exit is what is
   * tested.
   */
  private static final Duration FORCED_EXIT = Duration.ofSeconds(8);

  private static void assertCancelled(ObjectRef<?> ref, String function) {
    assertThatThrownBy(() -> ref.get(Duration.ofSeconds(5))).isInstanceOf(TaskCancelledException.class)
        .hasMessageContaining("CancelTasks." + function);
  }

  /** Starts a task that takes both CPUs of the node and sleeps {@code ms}; returns once it runs. */
  private static ObjectRef<Long> sleepOnWholeNode(Path started, long ms) {
    ObjectRef<Long> ref = JRay.task(CancelTasks::pidAfterSleep, started.toString(), ms).setResource("CPU", 2.0)
        .remote();
    awaitFile(started);
    return ref;
  }

  @Test
  void aTaskQueuedBehindAFullNodeIsRemovedAndNeverRuns(@TempDir Path dir) throws Exception {
    ObjectRef<Long> blocker = sleepOnWholeNode(dir.resolve("blocker"), 3_000L);
    Path ran = dir.resolve("ran");
    ObjectRef<String> queued = JRay.task(CancelTasks::touch, ran.toString()).remote();
    Thread.sleep(300); // its lease request waits at the raylet behind the blocker

    JRay.cancel(queued);
    JRay.cancel(queued); // a second cancel changes nothing

    assertCancelled(queued, "touch");
    blocker.get(Duration.ofSeconds(30));
    // the node is free again and a task of the same kind runs; the cancelled one still has not
    Path after = dir.resolve("after");
    assertThat(JRay.task(CancelTasks::touch, after.toString()).remote().get(START)).isEqualTo(after.toString());
    Thread.sleep(1_000);
    assertThat(ran).doesNotExist();
    // the lease requests made for it did not keep a worker: both CPUs come back
    await().atMost(Duration.ofSeconds(30))
        .until(() -> cluster.nodeStats().getAvailableResourcesOrDefault("CPU", 0.0) == 2.0);
  }

  @Test
  void aTaskWaitingForItsArgumentIsRemovedAndNeverRuns(@TempDir Path dir) throws Exception {
    ObjectRef<Long> argument = JRay.task(CancelTasks::pidAfterSleep, dir.resolve("arg").toString(), 1_500L).remote();
    Path ran = dir.resolve("ran");
    ObjectRef<String> waiting = JRay.task(CancelTasks::touchAfter, argument, ran.toString()).remote();

    JRay.cancel(waiting);

    assertCancelled(waiting, "touchAfter");
    argument.get(Duration.ofSeconds(30));
    Thread.sleep(1_000);
    assertThat(ran).doesNotExist();
  }

  @Test
  void aRunningTaskIsInterruptedAndItsWorkerRunsTheNextTask(@TempDir Path dir) throws Exception {
    Path started = dir.resolve("started");
    // both CPUs, and the next task too: it cannot go to another worker, it waits for this lease
    ObjectRef<Long> sleeper = sleepOnWholeNode(started, 60_000L);
    long pid = pidIn(started);

    JRay.cancel(sleeper);

    assertCancelled(sleeper, "pidAfterSleep");
    await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(Path.of(started + ".interrupted")));
    ObjectRef<Long> next = JRay.task(CancelTasks::pidAfterSleep, dir.resolve("next").toString(), 0L)
        .setResource("CPU", 2.0).remote();
    assertThat(next.get(Duration.ofSeconds(30))).as("the same worker, still alive").isEqualTo(pid);
  }

  /** A task that ignores interrupts, with maxRetries=3, running: its ref, its worker's pid, its run log. */
  private record Spinner(ObjectRef<Long> ref, long pid, Path runs) {
    static Spinner start(Path dir) throws Exception {
      Path runs = dir.resolve("runs");
      ObjectRef<Long> ref = JRay.task(CancelTasks::spinIgnoringInterrupts, runs.toString()).setMaxRetries(3).remote();
      awaitFile(runs);
      return new Spinner(ref, pidIn(runs), runs);
    }

    /** Its worker is gone, and no retry started meanwhile. */
    void assertKilledAndRanOnce() throws Exception {
      await().atMost(FORCED_EXIT).until(() -> !alive(pid));
      Thread.sleep(3_000); // time enough for a retry to have started
      assertThat(Files.readAllLines(runs)).as("runs, despite maxRetries=3").hasSize(1);
      assertCancelled(ref, "spinIgnoringInterrupts");
    }
  }

  @Test
  void forceKillsTheWorkerOfATaskThatIgnoresInterruptsAndItIsNotRetried(@TempDir Path dir) throws Exception {
    Spinner spinner = Spinner.start(dir);

    JRay.cancel(spinner.ref(), true, false);

    assertCancelled(spinner.ref(), "spinIgnoringInterrupts");
    spinner.assertKilledAndRanOnce();
    // the node goes on: its CPU came back and another worker serves the next task
    Path after = dir.resolve("after");
    assertThat(JRay.task(CancelTasks::touch, after.toString()).remote().get(START)).isEqualTo(after.toString());
  }

  @Test
  void aForcedCancelAfterAPlainOneKillsTheWorkerTheInterruptDidNotStop(@TempDir Path dir) throws Exception {
    Spinner spinner = Spinner.start(dir);
    JRay.cancel(spinner.ref());
    assertCancelled(spinner.ref(), "spinIgnoringInterrupts");
    Thread.sleep(1_000);
    assertThat(alive(spinner.pid())).as("the task ignores the interrupt and keeps its worker").isTrue();

    JRay.cancel(spinner.ref(), true, true);

    spinner.assertKilledAndRanOnce();
  }

  /** A parent task waiting for the child it submitted, which runs on another worker and ends by writing a file. */
  private record Parent(ObjectRef<String> ref, Path childDone) {
    static Parent start(Path dir, long childMs) {
      Path childStarted = dir.resolve("child-started");
      Path childDone = dir.resolve("child-done");
      ObjectRef<String> ref = JRay.task(CancelTasks::parentOf, childStarted.toString(), childMs, childDone.toString())
          .remote();
      awaitFile(childStarted);
      return new Parent(ref, childDone);
    }
  }

  @Test
  void aRecursiveCancelStopsTheChildTheTaskSubmitted(@TempDir Path dir) throws Exception {
    Parent parent = Parent.start(dir, 3_000L);

    JRay.cancel(parent.ref());

    assertCancelled(parent.ref(), "parentOf");
    Thread.sleep(5_000); // past the end of the child's sleep
    assertThat(parent.childDone()).as("the child was cancelled with its parent").doesNotExist();
  }

  @Test
  void aCancelThatIsNotRecursiveLeavesTheChildRunning(@TempDir Path dir) {
    Parent parent = Parent.start(dir, 2_000L);

    JRay.cancel(parent.ref(), false, false);

    assertCancelled(parent.ref(), "parentOf");
    await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(parent.childDone()));
  }

  @Test
  void aProcessHoldingTheRefCancelsThroughTheOwner(@TempDir Path dir) throws Exception {
    Path started = dir.resolve("started");
    ObjectRef<Long> sleeper = JRay.task(CancelTasks::pidAfterSleep, started.toString(), 60_000L).remote();
    awaitFile(started);

    // a task on the other CPU receives the ref inside a list (a borrower) and cancels it
    assertThat(JRay.task(CancelTasks::cancelFirst, List.of(sleeper)).remote().get(START)).isEqualTo("cancelled");

    assertCancelled(sleeper, "pidAfterSleep");
    await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(Path.of(started + ".interrupted")));
  }

  @Test
  void cancellingAFinishedTaskChangesNothing() {
    ObjectRef<Integer> done = JRay.task(TestTasks::noop, 5).remote();
    assertThat(done.get(START)).isEqualTo(5);

    JRay.cancel(done);
    JRay.cancel(done, true, true);

    assertThat(done.get(Duration.ofSeconds(5))).isEqualTo(5);
  }
}
