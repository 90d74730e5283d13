package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.api.exception.GetTimeoutException;
import io.jray.api.exception.TaskException;
import io.jray.api.exception.WorkerCrashedException;
import io.jray.common.process.NodeOptions;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A list {@code get} raises as soon as one element failed while another task is still blocked,
 * and {@code toCompletableFuture} completes task results, puts and borrowed refs (or fails with
 * get's exception) without a thread per pending ref. Real 2-CPU node: the failing and the blocked
 * task run side by side.
 */
class FailFastGetAndFuturesIT {
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(2)).driver();

  /** A bound on "at once": far below the blocked task's minute, far above any detection time here. */
  private static final long FAIL_FAST_BOUND_MS = 10_000;

  /** Where the blocked tasks' release files go: kept until the class ends, so no release is missed. */
  @TempDir
  static Path releases;

  /**
   * A task blocked for a minute, released (and waited for) on close: it must not hold one of the
   * node's two CPUs into the next test.
   */
  private static final class Blocked implements AutoCloseable {
    final Path release = releases.resolve("release-" + System.nanoTime());
    final ObjectRef<Long> ref = JRay.task(TestTasks::blockUntil, release.toString(), 60_000L).remote();

    boolean stillBlocked() {
      return !JRay.wait(List.of(ref), 1, Duration.ZERO).unready().isEmpty();
    }

    @Override
    public void close() throws Exception {
      Files.createFile(release);
      ref.get(Duration.ofSeconds(30));
    }
  }

  /**
   * Two warm workers before any test, so the times measured are the fail-fast path and not a
   * JVM start (the "within 2 s"; the assertion's bound stays loose for a loaded machine).
   */
  @org.junit.jupiter.api.BeforeAll
  static void warmTwoWorkers() {
    JRay.get(List.of(JRay.task(TestTasks::sleepMillis, 1000L).remote(), JRay.task(TestTasks::sleepMillis, 1000L)
        .remote()), Duration.ofMinutes(2));
  }

  private static long millisSince(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }

  @Test
  void aListGetRaisesTheTaskExceptionWhileTheOtherTaskIsStillBlocked() throws Exception {
    try (Blocked blocked = new Blocked()) {
      ObjectRef<Integer> failing = JRay.task(TestTasks::fail, "boom").remote();
      long start = System.nanoTime();
      List<ObjectRef<Object>> both = List.of(erased(failing), erased(blocked.ref));
      assertThatThrownBy(() -> JRay.get(both))
          .isInstanceOf(TaskException.class).hasMessageContaining("boom");
      System.out.println("fail-fast list get raised after " + millisSince(start) + " ms");
      assertThat(millisSince(start)).isLessThan(FAIL_FAST_BOUND_MS);
      assertThat(blocked.stillBlocked()).isTrue();
    }
  }

  @Test
  void aWorkerCrashFailsTheListGetBeforeTheBlockedTaskEnds() throws Exception {
    try (Blocked blocked = new Blocked()) {
      ObjectRef<Integer> crashing = JRay.task(TestTasks::halt).setMaxRetries(0).remote();
      long start = System.nanoTime();
      List<ObjectRef<Object>> both = List.of(erased(blocked.ref), erased(crashing));
      assertThatThrownBy(() -> JRay.get(both)).isInstanceOf(WorkerCrashedException.class)
          .hasMessageContaining("TestTasks.halt");
      assertThat(millisSince(start)).isLessThan(FAIL_FAST_BOUND_MS);
      assertThat(blocked.stillBlocked()).isTrue();
    }
  }

  @Test
  void aListGetWithATimeoutStillTimesOut() throws Exception {
    try (Blocked blocked = new Blocked()) {
      List<ObjectRef<Object>> refs = List.of(erased(JRay.task(TestTasks::noop, 1).remote()), erased(blocked.ref));
      long start = System.nanoTime();
      assertThatThrownBy(() -> JRay.get(refs, Duration.ofMillis(500))).isInstanceOf(GetTimeoutException.class)
          .hasMessageContaining("of 2 objects not ready");
      assertThat(millisSince(start)).isBetween(500L, FAIL_FAST_BOUND_MS);
    }
  }

  @Test
  void tenThousandTaskResultsCompleteThroughFuturesWithoutAThreadEach() throws Exception {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    int before = threads.getThreadCount();
    threads.resetPeakThreadCount();
    List<CompletableFuture<Integer>> futures = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      futures.add(JRay.task(TestTasks::noop, i).remote().toCompletableFuture());
    }
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(4, TimeUnit.MINUTES);
    for (int i = 0; i < futures.size(); i++) {
      assertThat(futures.get(i).join()).isEqualTo(i);
    }
    assertThat(threads.getPeakThreadCount() - before).as("live platform threads above the %d before", before)
        .isLessThan(100);
  }

  @Test
  void aFailingTasksFutureCompletesExceptionallyWithTaskException() throws Exception {
    CompletableFuture<Integer> f = JRay.task(TestTasks::fail, "boom").remote().toCompletableFuture();
    assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(TaskException.class).hasMessageContaining("boom");
    assertThatThrownBy(f::join).isInstanceOf(CompletionException.class).cause().isInstanceOf(TaskException.class);
    assertThat(f.handle((v, e) -> e).join()).isInstanceOf(TaskException.class);
  }

  @Test
  void putsCompleteWhetherInlineOrInTheObjectStore() throws Exception {
    assertThat(JRay.put("small").toCompletableFuture().get(30, TimeUnit.SECONDS)).isEqualTo("small");
    byte[] large = new byte[4 << 20];
    large[large.length - 1] = 7;
    byte[] back = JRay.put(large).toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThat(back).hasSize(large.length);
    assertThat(back[back.length - 1]).isEqualTo((byte) 7);
  }

  @Test
  void refsThatWentThroughOtherProcessesComplete() throws Exception {
    // owned here, passed to a task and returned by it
    ObjectRef<byte[]> mine = JRay.put(new byte[] {1, 2, 3});
    ObjectRef<byte[]> echoed = JRay.task(TestTasks::echoRefs, List.of(mine)).remote().get().get(0);
    assertThat(echoed.toCompletableFuture().get(60, TimeUnit.SECONDS)).containsExactly(1, 2, 3);
    // owned by a worker, borrowed here: ready, and still pending when the future is made
    ObjectRef<String> borrowed = JRay.task(TestTasks::putHere, "from a worker").remote().get().get(0);
    assertThat(borrowed.toCompletableFuture().get(60, TimeUnit.SECONDS)).isEqualTo("from a worker");
    ObjectRef<Long> pending = JRay.task(TestTasks::submitSleep, 1_500L).remote().get().get(0);
    CompletableFuture<Long> later = pending.toCompletableFuture();
    assertThat(later.get(60, TimeUnit.SECONDS)).isEqualTo(1_500L);
    // a worker borrowing a ref of the driver waits for it through a future
    ObjectRef<Integer> driverOwned = JRay.task(TestTasks::increment, 41).remote();
    assertThat(JRay.task(TestTasks::incrementThroughFuture, List.of(driverOwned)).remote().get(Duration.ofSeconds(60)))
        .isEqualTo(43);
  }

  @Test
  void cancellingAFutureDoesNotCancelTheTask() throws Exception {
    ObjectRef<Long> r = JRay.task(TestTasks::sleepMillis, 300L).remote();
    CompletableFuture<Long> f = r.toCompletableFuture();
    assertThat(f.cancel(true)).isTrue();
    assertThat(r.get(Duration.ofSeconds(60))).isEqualTo(300L);
    assertThat(r.toCompletableFuture().get(30, TimeUnit.SECONDS)).isEqualTo(300L);
  }

  @SuppressWarnings("unchecked")
  private static ObjectRef<Object> erased(ObjectRef<?> r) {
    return (ObjectRef<Object>) r;
  }
}
