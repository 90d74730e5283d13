package io.jray.runtime;

import io.jray.api.ObjectId;
import io.jray.proto.Address;
import java.lang.ref.Cleaner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Objects this core worker owns (its puts and the returns of tasks it submitted): pending until
 * the task's result arrives, then a value or an error (DESIGN §5).
 *
 * <p>An entry lives while a live {@link ObjectRefImpl} to it exists in this JVM: every ref the
 * owner hands out is counted and registered with a {@link Cleaner}, which uncounts it once the ref
 * is unreachable; the last one removes the entry. A task argument needs no count of its own: the
 * submitter resolves it to the value (held by the task) before the ref can go away. Borrowers in
 * other processes are not counted yet (issue 5): a ref that left this JVM inside a value stays
 * readable only while a ref to it lives here.
 *
 * <p>Concurrency: a concurrent map of futures rather than loop state, because {@code get} is
 * called from any user thread, results arrive on gRPC threads and releases on the cleaner thread;
 * a future is completed exactly once.
 */
final class OwnershipTable {
  private static final Cleaner CLEANER = Cleaner.create();

  private static final class Entry {
    final CompletableFuture<ObjectValue> value;
    final AtomicInteger localRefs = new AtomicInteger();
    /** Nodes other processes pulled copies to (the primary's node is in the value). */
    final java.util.Set<io.jray.api.NodeId> copies = ConcurrentHashMap.newKeySet();

    Entry(CompletableFuture<ObjectValue> value) {
      this.value = value;
    }
  }

  /** Uncounts one ref; must not hold the ref itself, or it would never become unreachable. */
  private record Release(OwnershipTable table, ObjectId id) implements Runnable {
    @Override
    public void run() {
      table.release(id);
    }
  }

  private final ConcurrentHashMap<ObjectId, Entry> objects = new ConcurrentHashMap<>();
  /** Called with the object, its value and the nodes holding pulled copies. */
  interface OnFree {
    void freed(ObjectId id, ObjectValue v, java.util.Set<io.jray.api.NodeId> copies);
  }

  private final OnFree onFree;

  /** {@code onFree} gets each object when its last ref goes (to delete a stored copy). */
  OwnershipTable(OnFree onFree) {
    this.onFree = onFree;
  }

  /** A new pending object and the first ref to it. */
  <T> ObjectRefImpl<T> addPending(ObjectId id, Address owner) {
    objects.put(id, new Entry(new CompletableFuture<>()));
    return track(new ObjectRefImpl<>(id, owner));
  }

  /** A new ready object (a put) and the first ref to it. */
  <T> ObjectRefImpl<T> addReady(ObjectId id, ObjectValue v, Address owner) {
    objects.put(id, new Entry(CompletableFuture.completedFuture(v)));
    return track(new ObjectRefImpl<>(id, owner));
  }

  /** Counts a ref to an owned object (also one deserialized here); returns it. */
  <T> ObjectRefImpl<T> track(ObjectRefImpl<T> ref) {
    Entry e = objects.get(ref.id());
    if (e != null) {
      e.localRefs.incrementAndGet();
      CLEANER.register(ref, new Release(this, ref.id()));
    }
    return ref;
  }

  private void release(ObjectId id) {
    Entry e = objects.get(id);
    if (e != null && e.localRefs.decrementAndGet() == 0 && objects.remove(id, e)) {
      ObjectValue v = e.value.getNow(null);
      if (v != null) {
        onFree.freed(id, v, e.copies);
      }
    }
  }

  /**
   * Completes a pending object; a second result for the same object (a retried task) is ignored.
   * A result for an object nobody holds any more is freed at once.
   */
  void complete(ObjectId id, ObjectValue v) {
    Entry e = objects.get(id);
    if (e == null) {
      onFree.freed(id, v, java.util.Set.of());
      return;
    }
    if (e.value.complete(v) && !objects.containsKey(id)) {
      onFree.freed(id, v, e.copies); // its last ref went while we completed it (a second delete is harmless)
    }
  }

  /** Records a pulled copy; false if the object is not (or no longer) owned here. */
  boolean addCopy(ObjectId id, io.jray.api.NodeId node) {
    Entry e = objects.get(id);
    if (e == null) {
      return false;
    }
    e.copies.add(node);
    return true;
  }

  java.util.Set<io.jray.api.NodeId> copies(ObjectId id) {
    Entry e = objects.get(id);
    return e == null ? java.util.Set.of() : java.util.Set.copyOf(e.copies);
  }

  CompletableFuture<ObjectValue> get(ObjectId id) {
    Entry e = objects.get(id);
    return e == null ? null : e.value;
  }

  int size() {
    return objects.size();
  }
}
