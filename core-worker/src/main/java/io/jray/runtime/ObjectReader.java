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

/**
 * {@code get} and {@code wait} (DESIGN §3): waits for objects (owned here: their futures in the
 * ownership table; owned elsewhere: long polls to their owners), then decodes them, inline or out
 * of the object store. A stored object whose every copy is gone is made again by its owner, and
 * the get waits for that (bounded: a get never hangs). A worker inside a task lends its CPU to the
 * raylet while it waits.
 *
 * <p>Threads: the calling user thread (or {@code task-executor} reading a task's arguments) does
 * all of it and blocks; no state of its own.
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

  @SuppressWarnings("unchecked")
  <T> List<T> get(List<ObjectRef<T>> refList, Duration timeout) {
    List<CompletableFuture<ObjectValue>> futures = new ArrayList<>(refList.size());
    boolean allDone = true;
    for (ObjectRef<T> r : refList) {
      CompletableFuture<ObjectValue> f = futureOf(r);
      futures.add(f);
      allDone &= f.isDone();
    }
    if (!allDone) {
      awaitAll(futures, timeout, refList);
    }
    long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
    List<T> out = new ArrayList<>(refList.size());
    for (int i = 0; i < futures.size(); i++) {
      CompletableFuture<ObjectValue> f = futures.get(i);
      while (true) {
        ObjectValue v = f.join();
        if (v.isError()) {
          throw RemoteErrors.toException(v.error());
        }
        try {
          out.add((T) decode(v, refList.get(i)));
          break;
        } catch (ObjectLostException e) {
          // no copy could be fetched: an owner with the lineage makes it again, and this get waits
          ObjectId id = refList.get(i).id();
          if (!v.isStored()) {
            throw e;
          }
          if (table.get(id) == null) {
            f = recovery.awaitRemadeByOwner((ObjectRefImpl<?>) refList.get(i), v, e, deadline);
            continue;
          }
          f = recovery.recover(id, v, e.getMessage());
          if (!f.isDone()) {
            long left = deadline - System.nanoTime();
            awaitAll(List.of(f), timeout == null ? null : Duration.ofNanos(Math.max(0, left)),
                refList.subList(i, i + 1));
          }
        }
      }
    }
    // decode uses only the ids: without this, a GC during a long fetch could collect the refs, and
    // the owner would free the object while it is being read
    Reference.reachabilityFence(refList);
    return out;
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
      return stored.read(ref.id(), v.stored(), ((ObjectRefImpl<?>) ref).owner());
    }
    try {
      return refs.decoding(() -> ObjectCodec.decode(v.bytes()));
    } catch (RuntimeException e) {
      throw new JRayException("cannot deserialize object " + ref.id() + ": " + e.getMessage()
          + " (is the class on this process's class path?)", e);
    }
  }

  private void awaitAll(List<CompletableFuture<ObjectValue>> futures, Duration timeout, List<?> refList) {
    CompletableFuture<Void> all = CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new));
    blocked.blocked(true);
    try {
      if (timeout == null) {
        all.get();
      } else {
        all.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      }
    } catch (TimeoutException e) {
      int pending = 0;
      for (CompletableFuture<ObjectValue> f : futures) {
        pending += f.isDone() ? 0 : 1;
      }
      throw new GetTimeoutException("get timed out after " + timeout.toMillis() + " ms: " + pending + " of "
          + refList.size() + " objects not ready (first: " + refList.get(0) + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JRayException("interrupted while waiting in get", e);
    } catch (ExecutionException e) {
      throw new JRayException("unexpected failure while waiting in get", e.getCause());
    } finally {
      blocked.blocked(false);
    }
  }
}
