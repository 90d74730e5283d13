package io.jray.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jray.api.ObjectRef;
import io.jray.api.WaitResult;
import io.jray.api.exception.GetTimeoutException;
import io.jray.api.exception.TaskException;
import io.jray.api.exception.WorkerCrashedException;
import io.jray.proto.ErrorInfo;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code get} and {@code wait} over owned objects whose results the test delivers: a list get
 * fails as soon as any element fails, whatever its place, while the rest of its behaviour (order,
 * timeouts, lost objects made again) stays.
 */
class ObjectReaderTest {
  private final ReaderParts parts = new ReaderParts();
  private final ExecutorService caller = Executors.newSingleThreadExecutor();

  @AfterEach
  void stop() {
    caller.shutdownNow();
    parts.close();
  }

  /** {@code get} on the caller thread, as a user thread would block in it. */
  private <T> CompletableFuture<List<T>> getLater(List<ObjectRef<T>> refs, Duration timeout) {
    return CompletableFuture.supplyAsync(() -> parts.reader.get(refs, timeout), caller);
  }


  @Test
  void aListGetRaisesAsSoonAsAnyElementFailsWhileOthersArePending() throws Exception {
    for (boolean failingFirst : new boolean[] {true, false}) {
      ObjectRefImpl<Integer> blocked = parts.pending();
      ObjectRefImpl<Integer> failing = parts.pending();
      CompletableFuture<List<Integer>> got = getLater(failingFirst ? List.of(failing, blocked) : List.of(blocked, failing),
          null);
      Thread.sleep(100);
      assertThat(got).isNotDone();
      parts.complete(failing, ReaderParts.failed(ErrorInfo.Type.TASK_EXCEPTION, "boom"));
      assertThat(ReaderParts.failureOf(got)).isInstanceOf(TaskException.class).hasMessageContaining("boom");
      assertThat(parts.table.get(blocked.id())).as("the other element is still pending").isNotDone();
    }
  }

  @Test
  void theFirstFailureToArriveIsTheOneRaised() throws Exception {
    ObjectRefImpl<Integer> a = parts.pending();
    ObjectRefImpl<Integer> b = parts.pending();
    CompletableFuture<List<Integer>> got = getLater(List.of(a, b), null);
    Thread.sleep(50);
    parts.complete(b, ReaderParts.failed(ErrorInfo.Type.WORKER_CRASHED, "gone"));
    assertThat(ReaderParts.failureOf(got)).isInstanceOf(WorkerCrashedException.class);
    parts.complete(a, ReaderParts.failed(ErrorInfo.Type.TASK_EXCEPTION, "later"));

    // both known before the get: the list's order decides
    assertThatThrownBy(() -> parts.reader.get(List.of(a, b), null)).isInstanceOf(TaskException.class);
  }

  @Test
  void valuesComeBackInListOrderWhateverOrderTheyArriveIn() throws Exception {
    ObjectRefImpl<Integer> a = parts.pending();
    ObjectRefImpl<Integer> b = parts.pending();
    ObjectRefImpl<Integer> c = parts.put(3);
    CompletableFuture<List<Integer>> got = getLater(List.of(a, b, c), null);
    parts.complete(b, ReaderParts.inline(2));
    Thread.sleep(50);
    assertThat(got).isNotDone();
    parts.complete(a, ReaderParts.inline(1));
    assertThat(got.get(5, TimeUnit.SECONDS)).containsExactly(1, 2, 3);
  }

  @Test
  void aListGetWithATimeoutStillTimesOutNamingWhatIsPending() throws Exception {
    ObjectRefImpl<Integer> ready = parts.put(1);
    ObjectRefImpl<Integer> blocked = parts.pending();
    long start = System.nanoTime();
    assertThatThrownBy(() -> parts.reader.get(List.of(ready, blocked), Duration.ofMillis(200)))
        .isInstanceOf(GetTimeoutException.class).hasMessageContaining("1 of 2").hasMessageContaining(blocked.id().hex());
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
    assertThatThrownBy(() -> parts.reader.get(List.of(blocked), Duration.ZERO)).isInstanceOf(GetTimeoutException.class);
  }

  @Test
  void aStoredObjectWithNoCopyLeftIsWaitedForWhileItIsMadeAgain() throws Exception {
    ObjectRefImpl<Integer> lost = parts.pending();
    parts.complete(lost, ReaderParts.stored()); // no store is mapped here: no copy can be read
    CompletableFuture<List<Integer>> got = getLater(List.of(lost), Duration.ofSeconds(30));
    CompletableFuture<ObjectValue> remake = parts.remakeOf(lost);
    assertThat(got).isNotDone();
    remake.complete(ReaderParts.inline(7));
    assertThat(got.get(5, TimeUnit.SECONDS)).containsExactly(7);
  }

  @Test
  void waitReturnsOnceNumReturnsAreReadyOrFailed() throws Exception {
    ObjectRefImpl<Integer> a = parts.pending();
    ObjectRefImpl<Integer> b = parts.pending();
    ObjectRefImpl<Integer> c = parts.pending();
    CompletableFuture<WaitResult<Integer>> w = CompletableFuture.supplyAsync(
        () -> parts.reader.wait(List.of(a, b, c), 2, null), caller);
    parts.complete(c, ReaderParts.failed(ErrorInfo.Type.TASK_EXCEPTION, "boom"));
    Thread.sleep(50);
    assertThat(w).isNotDone();
    parts.complete(a, ReaderParts.inline(1));
    WaitResult<Integer> r = w.get(5, TimeUnit.SECONDS);
    assertThat(r.ready()).containsExactly(a, c);
    assertThat(r.unready()).containsExactly(b);
  }
}
