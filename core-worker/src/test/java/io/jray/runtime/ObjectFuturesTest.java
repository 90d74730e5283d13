package io.jray.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.jray.api.exception.JRayException;
import io.jray.api.exception.ObjectLostException;
import io.jray.api.exception.OwnerDiedException;
import io.jray.api.exception.TaskException;
import io.jray.api.exception.WorkerCrashedException;
import io.jray.proto.ErrorInfo;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code toCompletableFuture} over owned objects whose results the test delivers, and over a
 * borrowed one whose owner is a real gRPC server: the value or get's own exception, no thread
 * while pending, decoding off the completing thread, and nothing left hanging at shutdown.
 */
class ObjectFuturesTest {
  private final ReaderParts parts = new ReaderParts();
  /** As the core worker's: a virtual thread per object being decoded. */
  private final ExecutorService decoders = Executors.newThreadPerTaskExecutor(
      Thread.ofVirtual().name("ref-decode-", 0).factory());
  private final ObjectFutures futures = new ObjectFutures(parts.reader, decoders);

  @AfterEach
  void stop() {
    decoders.shutdownNow();
    parts.close();
  }


  @Test
  void completesWithTheValueOfAResultAndOfAPut() throws Exception {
    ObjectRefImpl<String> result = parts.pending();
    CompletableFuture<String> f = futures.of(result);
    assertThat(f).isNotDone();
    parts.complete(result, ReaderParts.inline("hi"));
    assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo("hi");
    assertThat(futures.of(parts.put(List.of(1, 2))).get(5, TimeUnit.SECONDS)).isEqualTo(List.of(1, 2));
  }

  @Test
  void aFailureCompletesItExceptionallyWithTheExceptionGetRaises() throws Exception {
    Map<ErrorInfo.Type, Class<?>> raised = Map.of(ErrorInfo.Type.TASK_EXCEPTION, TaskException.class,
        ErrorInfo.Type.WORKER_CRASHED, WorkerCrashedException.class, ErrorInfo.Type.OWNER_DIED,
        OwnerDiedException.class, ErrorInfo.Type.OBJECT_LOST, ObjectLostException.class);
    for (var e : raised.entrySet()) {
      ObjectRefImpl<Integer> ref = parts.pending();
      CompletableFuture<Integer> f = futures.of(ref);
      AtomicReference<Throwable> seen = new AtomicReference<>();
      CompletableFuture<Integer> watched = f.whenComplete((v, x) -> seen.set(x));
      parts.complete(ref, ReaderParts.failed(e.getKey(), "why"));
      assertThat(ReaderParts.failureOf(f)).isExactlyInstanceOf(e.getValue()).hasMessageContaining("why");
      watched.handle((v, x) -> null).get(5, TimeUnit.SECONDS);
      assertThat(seen.get()).as("a dependent stage sees it unwrapped").isExactlyInstanceOf(e.getValue());
    }
  }

  @Test
  void tenThousandPendingFuturesTakeNoThreadsAndDecodeOffTheCompletingThread() throws Exception {
    ManagementFactory.getThreadMXBean().resetPeakThreadCount();
    int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
    List<ObjectRefImpl<Integer>> refs = new ArrayList<>();
    List<CompletableFuture<Integer>> fs = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      ObjectRefImpl<Integer> r = parts.pending();
      refs.add(r);
      fs.add(futures.of(r));
    }
    assertThat(ManagementFactory.getThreadMXBean().getThreadCount() - threadsBefore)
        .as("platform threads started for 10,000 pending futures").isLessThan(10);
    AtomicReference<Thread> stageThread = new AtomicReference<>();
    CompletableFuture<Integer> stage = fs.get(0).thenApply(v -> {
      stageThread.set(Thread.currentThread());
      return v;
    });
    Thread completer = new Thread(() -> {
      for (int i = 0; i < refs.size(); i++) {
        parts.complete(refs.get(i), ReaderParts.inline(i));
      }
    }, "fake-grpc");
    completer.start();
    completer.join();
    CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    for (int i = 0; i < fs.size(); i++) {
      assertThat(fs.get(i).join()).isEqualTo(i);
    }
    stage.get(5, TimeUnit.SECONDS);
    assertThat(stageThread.get()).isNotSameAs(completer);
    assertThat(stageThread.get().getName()).startsWith("ref-decode-");
    assertThat(ManagementFactory.getThreadMXBean().getPeakThreadCount() - threadsBefore)
        .as("platform threads at the peak").isLessThan(20);
  }

  @Test
  void cancellingAFutureLeavesTheObjectAndOtherFuturesAlone() throws Exception {
    ObjectRefImpl<Integer> ref = parts.pending();
    CompletableFuture<Integer> cancelled = futures.of(ref);
    CompletableFuture<Integer> other = futures.of(ref);
    assertThat(other).isNotSameAs(cancelled);
    assertThat(cancelled.cancel(true)).isTrue();
    assertThat(parts.table.get(ref.id())).as("the object is still pending for the others").isNotDone();
    parts.complete(ref, ReaderParts.inline(5));
    assertThat(other.get(5, TimeUnit.SECONDS)).isEqualTo(5);
    assertThat(cancelled).isCancelled();
    assertThat(parts.reader.get(List.of(ref), null)).containsExactly(5);
  }

  @Test
  void aLostObjectIsMadeAgainAndItsFutureCompletesWithTheNewValue() throws Exception {
    ObjectRefImpl<Integer> ref = parts.pending();
    CompletableFuture<Integer> f = futures.of(ref);
    parts.complete(ref, ReaderParts.stored()); // no store is mapped here: no copy can be read
    CompletableFuture<ObjectValue> remake = parts.remakeOf(ref);
    assertThat(f).isNotDone();
    remake.complete(ReaderParts.inline(9));
    assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo(9);
  }

  @Test
  void aRefUnknownToItsOwnerFailsAsGetWould() throws Exception {
    ObjectRefImpl<Integer> unknown = new ObjectRefImpl<>(io.jray.api.ObjectId.forPut(io.jray.api.TaskId.random(), 1),
        ReaderParts.SELF);
    assertThat(ReaderParts.failureOf(futures.of(unknown))).isInstanceOf(ObjectLostException.class);
  }

  @Test
  void aBorrowedRefsFutureCompletesFromItsOwnersLongPoll() throws Exception {
    try (FakeOwner owner = new FakeOwner()) {
      ObjectRefImpl<String> ref = owner.ref();
      CompletableFuture<String> f = futures.of(ref);
      CompletableFuture<String> g = futures.of(ref);
      FakeOwner.Poll poll = owner.nextPoll();
      poll.pending();
      owner.nextPoll().ready("borrowed");
      assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo("borrowed");
      assertThat(g.get(5, TimeUnit.SECONDS)).isEqualTo("borrowed");
      assertThat(owner.calls).as("both futures shared the polls").hasValue(2);
    }
  }

  @Test
  void atShutdownPendingFuturesCompleteExceptionallyInsteadOfHanging() throws Exception {
    ObjectRefImpl<Integer> ref = parts.pending();
    CompletableFuture<Integer> f = futures.of(ref);
    assertThat(parts.table.failPending(RemoteErrors.of(ErrorInfo.Type.SYSTEM_ERROR, "JRay was shut down", "")))
        .isEqualTo(1);
    assertThat(ReaderParts.failureOf(f)).isInstanceOf(JRayException.class).hasMessageContaining("shut down");

    ObjectRefImpl<Integer> late = parts.pending();
    CompletableFuture<Integer> g = futures.of(late);
    decoders.shutdown(); // the core worker's executor goes last at shutdown
    parts.complete(late, ReaderParts.inline(1));
    assertThat(ReaderParts.failureOf(g)).isInstanceOf(JRayException.class).hasMessageContaining("shut down");
    assertThat(g.handle((v, x) -> x).join()).isNotInstanceOf(CompletionException.class);
  }
}
