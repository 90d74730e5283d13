package io.jray.runtime;

import io.jray.api.ObjectRef;
import io.jray.api.exception.JRayException;
import io.jray.api.exception.ObjectLostException;
import java.lang.ref.Reference;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * {@code ObjectRef.toCompletableFuture()}: a future of an object's value that completes like
 * {@code get} returns or throws (the same exception types), without a thread waiting for it.
 *
 * <p>Waiting costs no thread: an owned object's future gets a callback, and a borrowed one's is
 * the {@link ObjectFetcher}'s asynchronous long poll, shared by every reader of that object. Only
 * once the value is known does a thread take over, to decode it: on {@code decoders}, never on the
 * gRPC thread that completed the object (decoding may read the store, pull from another node,
 * register borrows, and wait for a lost object to be made again; a netty thread must not block)
 * and never under a monitor. A lost owned object is made again and waited for by callback, like
 * the first wait.
 *
 * <p>The returned future is the caller's alone: completing or cancelling it changes nothing for
 * the object or its task. Until it completes it holds the ref (its callbacks do), so the object
 * stays alive for it even if the caller drops every ref.
 *
 * <p>Threads: {@link #of} on the caller's thread; the callbacks on the threads completing the
 * objects (gRPC netty threads, or the caller's when already known), which only hand off to
 * {@code decoders}, where decoding and the caller's non-async dependent stages run. No state of
 * its own. {@code decoders} is the core worker's; once it is shut down, futures that would need it
 * complete exceptionally.
 */
final class ObjectFutures {
  private final ObjectReader reader;
  private final Executor decoders;

  ObjectFutures(ObjectReader reader, Executor decoders) {
    this.reader = reader;
    this.decoders = decoders;
  }

  /** A new future of {@code ref}'s value. */
  <T> CompletableFuture<T> of(ObjectRef<T> ref) {
    CompletableFuture<T> out = new CompletableFuture<>();
    try {
      whenKnown(reader.futureOf(ref), ref, out);
    } catch (RuntimeException e) {
      out.completeExceptionally(e); // as get would throw: not a JRay ref, or unknown to this owner
    }
    return out;
  }

  private <T> void whenKnown(CompletableFuture<ObjectValue> value, ObjectRef<T> ref, CompletableFuture<T> out) {
    value.whenComplete((v, e) -> {
      try {
        decoders.execute(() -> settle(v, e, ref, out));
      } catch (RejectedExecutionException shutDown) {
        out.completeExceptionally(new JRayException("JRay was shut down before object " + ref.id() + " was read"));
      }
    });
  }

  /** On a decoder: completes {@code out} with the value {@code v}, or with what get would throw. */
  private <T> void settle(ObjectValue v, Throwable e, ObjectRef<T> ref, CompletableFuture<T> out) {
    if (out.isDone()) {
      return; // cancelled (or completed) by its holder: nothing left to read
    }
    try {
      if (e != null) {
        throw new JRayException("unexpected failure while waiting for object " + ref.id(), e);
      }
      out.complete(reader.valueOf(v, ref));
    } catch (ObjectLostException lost) {
      try {
        // no deadline: get without a timeout waits as long; a borrowed object's wait is bounded
        whenKnown(reader.afterLoss(ref, v, lost, Long.MAX_VALUE), ref, out);
      } catch (RuntimeException | Error again) {
        out.completeExceptionally(again);
      }
    } catch (RuntimeException | Error failed) {
      out.completeExceptionally(failed);
    } finally {
      // decode uses only the id: the ref must outlive it, or the owner could free the object mid-read
      Reference.reachabilityFence(ref);
    }
  }
}
