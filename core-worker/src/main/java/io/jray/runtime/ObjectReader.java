package io.jray.runtime;

import io.jray.api.ObjectId;
import io.jray.api.ObjectRef;
import io.jray.api.WaitResult;
import io.jray.api.exception.GetTimeoutException;
import io.jray.api.exception.JRayException;
import io.jray.api.exception.ObjectLostException;
import io.jray.common.proto.ProtoIds;
import io.jray.common.serialization.ObjectCodec;
import io.jray.proto.Address;
import io.jray.proto.ObjectReference;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code get} and {@code wait} (DESIGN §3): waits for objects (owned here: their futures in the
 * ownership table; owned elsewhere: long polls to their owners), then decodes them, inline or out
 * of the object store. A list get fails fast: it raises as soon as any element has failed, even
 * while others are pending. A stored object whose every copy is gone is made again by its owner,
 * and the get waits for that (bounded: a get never hangs). A worker inside a task lends its CPU to
 * the raylet while it waits. {@link ObjectFutures} reuses the decoding and the loss handling
 * ({@link #valueOf}, {@link #afterLoss}) without blocking on the wait.
 *
 * <p>Threads: the calling user thread (or {@code task-executor} reading a task's arguments) does
 * all of it and blocks; no state of its own. The callbacks it puts on the objects' futures run on
 * the threads completing them (gRPC's) and only count and wake it.
 */
final class ObjectReader {
  /** What a reader needs when a stored object it reads has no copy left. */
  interface Recovery {
    /** Owned here: makes the object again; returns its future from now on. */
    CompletableFuture<ObjectValue> recover(ObjectId id, ObjectValue lost, String why);

    /** Owned elsewhere: waits (until {@code deadlineNanos} at most) for the owner to name another value. */
    CompletableFuture<ObjectValue> awaitRemadeByOwner(ObjectRefImpl<?> ref, ObjectValue lost, ObjectLostException e,
        long deadlineNanos);
  }

  private final OwnershipTable table;
  private final ObjectFetcher fetcher;
  private final StoredObjects stored;
  private final ReferenceCounter refs;
  private final BlockedNotice blocked;
  private final Recovery recovery;
  private final Address self;

  ObjectReader(OwnershipTable table, ObjectFetcher fetcher, StoredObjects stored, ReferenceCounter refs,
      BlockedNotice blocked, Recovery recovery, Address self) {
    this.table = table;
    this.fetcher = fetcher;
    this.stored = stored;
    this.refs = refs;
    this.blocked = blocked;
    this.recovery = recovery;
    this.self = self;
  }

  /**
   * The values of {@code refList}, in order, or the failure of the first element seen to fail:
   * the wait ends as soon as any element has failed, even while others are still pending.
   */
  <T> List<T> get(List<ObjectRef<T>> refList, Duration timeout) {
    long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
    List<CompletableFuture<ObjectValue>> futures = new ArrayList<>(refList.size());
    for (ObjectRef<T> r : refList) {
      futures.add(futureOf(r));
    }
    ObjectValue failed = await(readyOrFirstFailure(futures), deadline, timeout, futures, refList);
    if (failed != null) {
      throw RemoteErrors.toException(failed.error());
    }
    List<T> out = new ArrayList<>(refList.size());
    for (int i = 0; i < futures.size(); i++) {
      ObjectRef<T> ref = refList.get(i);
      CompletableFuture<ObjectValue> f = futures.get(i);
      while (true) {
        ObjectValue v = f.join();
        try {
          out.add(valueOf(v, ref));
          break;
        } catch (ObjectLostException e) {
          f = afterLoss(ref, v, e, deadline);
          await(f, deadline, timeout, List.of(f), List.of(ref));
        }
      }
    }
    // decode uses only the ids: without this, a GC during a long fetch could collect the refs, and
    // the owner would free the object while it is being read
    Reference.reachabilityFence(refList);
    return out;
  }

  /**
   * The value {@code v} of a known object: decoded (inline, or read out of the store), or the
   * exception its failure raises. {@link ObjectLostException} when no copy of a stored value
   * could be read: then {@link #afterLoss} says what comes next.
   */
  @SuppressWarnings("unchecked")
  <T> T valueOf(ObjectValue v, ObjectRef<T> ref) {
    if (v.isError()) {
      throw RemoteErrors.toException(v.error());
    }
    return (T) decode(v, ref);
  }

  /**
   * No copy of {@code ref}'s stored value {@code v} could be read ({@code e}): the object's future
   * from now on, as its owner makes it again (here, at once; elsewhere, asked until
   * {@code deadlineNanos} at most, blocking the caller). Rethrows {@code e} when nothing can.
   */
  CompletableFuture<ObjectValue> afterLoss(ObjectRef<?> ref, ObjectValue v, ObjectLostException e,
      long deadlineNanos) {
    if (!v.isStored()) {
      throw e;
    }
    if (table.get(ref.id()) == null) {
      return recovery.awaitRemadeByOwner((ObjectRefImpl<?>) ref, v, e, deadlineNanos);
    }
    return recovery.recover(ref.id(), v, e.getMessage());
  }

  <T> WaitResult<T> wait(List<ObjectRef<T>> refList, int numReturns, Duration timeout) {
    List<CompletableFuture<ObjectValue>> futures = new ArrayList<>(refList.size());
    for (ObjectRef<T> r : refList) {
      futures.add(futureOf(r));
    }
    CountDownLatch enough = new CountDownLatch(numReturns);
    for (CompletableFuture<ObjectValue> f : futures) {
      f.whenComplete((v, e) -> enough.countDown());
    }
    if (enough.getCount() > 0) {
      blocked.blocked(true);
      try {
        if (timeout == null) {
          enough.await();
        } else {
          enough.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new JRayException("interrupted while waiting in wait", e);
      } finally {
        blocked.blocked(false);
      }
    }
    List<ObjectRef<T>> ready = new ArrayList<>();
    List<ObjectRef<T>> unready = new ArrayList<>();
    for (int i = 0; i < refList.size(); i++) {
      if (ready.size() < numReturns && futures.get(i).isDone()) {
        ready.add(refList.get(i));
      } else {
        unready.add(refList.get(i));
      }
    }
    return new WaitResult<>(ready, unready);
  }

  /** The object's value once known: the owned entry's future here, else a long poll to the owner. */
  CompletableFuture<ObjectValue> futureOf(ObjectRef<?> ref) {
    if (!(ref instanceof ObjectRefImpl<?> r)) {
      throw new IllegalArgumentException("not a JRay ObjectRef: " + ref.getClass().getName());
    }
    if (r.ownedBy(self.getWorkerId().toByteArray())) {
      CompletableFuture<ObjectValue> f = table.get(r.id());
      if (f == null) {
        throw new ObjectLostException("object " + r.id() + " is unknown to its owner (this process)");
      }
      return f;
    }
    return fetcher.fetch(r);
  }

  /** An argument passed by reference (a worker executing a task reads it). */
  Object getByReference(ObjectReference ref) {
    ObjectId id = ProtoIds.objectId(ref.getObjectId());
    if (ref.hasLocation()) {
      return stored.read(id, ref.getLocation(), ref.getOwner());
    }
    return get(List.of(new ObjectRefImpl<>(id, ref.getOwner())), null).get(0);
  }

  private Object decode(ObjectValue v, ObjectRef<?> ref) {
    if (v.isStored()) {
      try {
        return stored.read(ref.id(), v.stored(), ((ObjectRefImpl<?>) ref).owner());
      } catch (RuntimeFailure f) {
        // the caller's own store failed: from here the object is as good as lost, and its owner
        // decides what comes next (remade, or the loss reported)
        throw new ObjectLostException(f.getMessage());
      }
    }
    try {
      return refs.decoding(() -> ObjectCodec.decode(v.bytes()));
    } catch (RuntimeException e) {
      throw new JRayException("cannot deserialize object " + ref.id() + ": " + e.getMessage()
          + " (is the class on this process's class path?)", e);
    }
  }

  /**
   * Completes with null once every one of {@code futures} has a value, or with the first failed
   * value as soon as one arrives (a failure seen while registering, in list order). Its callbacks
   * run on the completing threads (gRPC's): they only count and complete.
   */
  private static CompletableFuture<ObjectValue> readyOrFirstFailure(List<CompletableFuture<ObjectValue>> futures) {
    CompletableFuture<ObjectValue> settled = new CompletableFuture<>();
    AtomicInteger pending = new AtomicInteger(futures.size());
    for (CompletableFuture<ObjectValue> f : futures) {
      f.whenComplete((v, e) -> {
        if (e != null) {
          settled.completeExceptionally(e);
        } else if (v.isError()) {
          settled.complete(v);
        } else if (pending.decrementAndGet() == 0) {
          settled.complete(null);
        }
      });
      if (settled.isDone()) {
        break; // a failure is known: the rest need no callbacks
      }
    }
    if (futures.isEmpty()) {
      settled.complete(null);
    }
    return settled;
  }

  /**
   * {@code f}'s result, blocking until {@code deadlineNanos} if it is not there yet (lending a
   * worker's CPU meanwhile); a {@link GetTimeoutException} counting what of {@code futures} is
   * still pending when time runs out.
   */
  private <X> X await(CompletableFuture<X> f, long deadlineNanos, Duration timeout,
      List<CompletableFuture<ObjectValue>> futures, List<? extends ObjectRef<?>> refList) {
    if (f.isDone()) {
      return joined(f);
    }
    blocked.blocked(true);
    try {
      if (timeout == null) {
        return f.get();
      }
      return f.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      int pending = 0;
      ObjectRef<?> first = refList.get(0);
      for (int i = 0; i < futures.size(); i++) {
        if (!futures.get(i).isDone() && pending++ == 0) {
          first = refList.get(i);
        }
      }
      throw new GetTimeoutException("get timed out after " + timeout.toMillis() + " ms: " + pending + " of "
          + refList.size() + " objects not ready (first: " + first + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JRayException("interrupted while waiting in get", e);
    } catch (ExecutionException e) {
      throw new JRayException("unexpected failure while waiting in get", e.getCause());
    } finally {
      blocked.blocked(false);
    }
  }

  private static <X> X joined(CompletableFuture<X> f) {
    try {
      return f.join();
    } catch (java.util.concurrent.CompletionException e) {
      throw new JRayException("unexpected failure while waiting in get", e.getCause());
    }
  }
}
