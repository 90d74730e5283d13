package io.jray.runtime;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.jray.api.ObjectId;
import io.jray.proto.Address;
import io.jray.proto.ErrorInfo;
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
 * submitter resolves it to the value (held by the task) before the ref can go away. Refs inside a
 * value (a put, a task's arguments, a task's result) are held by that value's entry
 * ({@link #hold}). Processes that deserialized a ref register as its borrowers
 * ({@link #addBorrower}); the object is freed when no local ref and no borrower is left.
 *
 * <p>Threads: any; a concurrent map of entries rather than loop state (DESIGN §10's exception,
 * measured), because {@code get} is called from any user thread, results arrive on gRPC threads
 * and releases on the cleaner thread. Per entry: the local count is atomic; {@code value},
 * {@code copies}, {@code contained} and {@code borrowers} change under the entry's monitor (reads
 * of the volatile ones need none); {@code lineage} changes by atomic swap. Nothing calls out
 * under an entry's monitor: a pending value's future is completed outside it (its waiters'
 * callbacks run in place), and frees are reported after it is released. The lineage budget is an
 * atomic count over a concurrent queue.
 */
final class OwnershipTable {
  private static final Cleaner CLEANER = Cleaner.create();

  /** One owned object; also the cleaner's action for its refs (a separate action cost 24 bytes each). */
  private static final class Entry implements Runnable {
    final OwnershipTable table;
    final ObjectId id;
    /**
     * The {@link ObjectValue} once known, else a {@code CompletableFuture<ObjectValue>} that
     * readers wait on: a known value needs no future (24 bytes an object, most of them puts).
     * Replaced under the entry's monitor.
     */
    volatile Object value;
    /** Live refs in this JVM; changed through {@link #LOCAL_REFS} (an AtomicInteger costs 16 bytes more). */
    volatile int localRefs;
    /**
     * Nodes other processes pulled copies to (the primary's node is in the value); null until the
     * first, since most objects are never copied and an empty set costs ~90 bytes per object.
     */
    volatile java.util.Set<io.jray.api.NodeId> copies;
    /** The creating task, while the object may still need it; null for puts and dropped lineage. */
    volatile Lineage lineage;
    /** Times this object was made again. */
    @GuardedBy("this")
    int reconstructions;
    /** Refs inside this object's value (or its task's arguments): they live while it does. */
    volatile java.util.List<io.jray.api.ObjectRef<?>> contained;
    /** Other processes holding refs to it; null until the first. */
    @GuardedBy("this")
    Borrowers borrowers;

    Entry(OwnershipTable table, ObjectId id, Object value) {
      this.table = table;
      this.id = id;
      this.value = value;
    }

    ObjectValue now() {
      Object v = value;
      return v instanceof ObjectValue known ? known : futureOf(v).getNow(null);
    }

    CompletableFuture<ObjectValue> future() {
      Object v = value;
      return v instanceof ObjectValue known ? CompletableFuture.completedFuture(known) : futureOf(v);
    }

    @SuppressWarnings("unchecked")
    private static CompletableFuture<ObjectValue> futureOf(Object v) {
      return (CompletableFuture<ObjectValue>) v;
    }

    /** One ref to this object became unreachable. Must not hold a ref, or it never would. */
    @Override
    public void run() {
      table.release(id);
    }
  }

  private static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<Entry> LOCAL_REFS =
      java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(Entry.class, "localRefs");
  private static final java.util.concurrent.atomic.AtomicReferenceFieldUpdater<Entry, Lineage> LINEAGE =
      java.util.concurrent.atomic.AtomicReferenceFieldUpdater.newUpdater(Entry.class, Lineage.class, "lineage");

  private static java.util.Set<io.jray.api.NodeId> copiesOf(Entry e) {
    java.util.Set<io.jray.api.NodeId> c = e.copies;
    return c == null ? java.util.Set.of() : c;
  }

  /** What {@link #lost} decided. */
  sealed interface Recovery permits Remake, Failed, Changed {}

  /** Run the lineage again; the object's future is a fresh pending one. */
  record Remake(Lineage lineage, int attempt) implements Recovery {}

  /** Cannot be made again: the object now holds this error. */
  record Failed(ErrorInfo error) implements Recovery {}

  /** The value was not the lost one any more (already being made again, or freed). */
  record Changed() implements Recovery {}

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OwnershipTable.class);
  private final ConcurrentHashMap<ObjectId, Entry> objects = new ConcurrentHashMap<>();
  /** Objects with borrowers, so a process's death is not a scan of every owned object. */
  private final java.util.Set<ObjectId> borrowed = ConcurrentHashMap.newKeySet();
  /** Objects with lineage, oldest first, for dropping lineage past the budget. */
  private final java.util.concurrent.ConcurrentLinkedQueue<ObjectId> withLineage =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final java.util.concurrent.atomic.AtomicLong lineageBytes = new java.util.concurrent.atomic.AtomicLong();
  private final long lineageBudget;
  private final AtomicInteger lineageAdds = new AtomicInteger();
  /** Called with the object, its value and the nodes holding pulled copies. */
  interface OnFree {
    void freed(ObjectId id, ObjectValue v, java.util.Set<io.jray.api.NodeId> copies);
  }

  private final OnFree onFree;

  /** {@code onFree} gets each object when its last ref goes (to delete a stored copy). */
  OwnershipTable(OnFree onFree, long lineageBudget) {
    this.onFree = onFree;
    this.lineageBudget = lineageBudget;
  }

  /** Keeps how a stored object was made, so it can be made again if lost (until past the budget). */
  void setLineage(ObjectId id, Lineage l) {
    Entry e = objects.get(id);
    if (e == null) {
      return;
    }
    // a re-execution replaces the lineage it ran from; the swap counts off whichever was there
    Lineage before = LINEAGE.getAndSet(e, l);
    if (before != null) {
      lineageBytes.addAndGet(-before.bytes());
    }
    withLineage.add(id);
    if (lineageAdds.incrementAndGet() % 1024 == 0) {
      // ids of freed objects and of inline results pile up here otherwise
      withLineage.removeIf(x -> {
        Entry y = objects.get(x);
        return y == null || y.lineage == null;
      });
    }
    if (lineageBytes.addAndGet(l.bytes()) > lineageBudget) {
      dropOldestLineage();
    }
  }

  /**
   * Drops {@code e}'s lineage and its bytes from the budget. Called from gRPC threads (results),
   * the cleaner (frees) and user threads (submits) at once: the swap makes exactly one of them
   * take the lineage and count it off.
   */
  private void dropLineage(Entry e) {
    Lineage l = LINEAGE.getAndSet(e, null);
    if (l != null) {
      lineageBytes.addAndGet(-l.bytes());
    }
  }

  private void dropOldestLineage() {
    while (lineageBytes.get() > lineageBudget) {
      ObjectId oldest = withLineage.poll();
      if (oldest == null) {
        return;
      }
      Entry e = objects.get(oldest);
      if (e != null && e.lineage != null) {
        dropLineage(e);
        LOG.warn("object {}: lineage dropped (lineage.max-bytes {} reached); it cannot be made again if lost",
            oldest, lineageBudget);
      }
    }
  }

  /**
   * Every copy of {@code id}'s value {@code lost} is gone: makes the object pending again and
   * returns the lineage to run, or records why it cannot be made again. Decided under the entry's
   * monitor, so many readers noticing one loss start one re-execution.
   */
  Recovery lost(ObjectId id, ObjectValue lost, String why) {
    Entry e = objects.get(id);
    if (e == null) {
      return new Changed();
    }
    synchronized (e) {
      if (e.now() != lost) {
        return new Changed();
      }
      Lineage l = e.lineage;
      ErrorInfo error;
      if (l == null) {
        error = RemoteErrors.of(ErrorInfo.Type.OBJECT_LOST, "object " + id + " was lost (" + why + ") and cannot"
            + " be made again: it was created by put, or its lineage was dropped", "");
      } else {
        int max = l.spec().getMaxRetries();
        if (max >= 0 && e.reconstructions >= max) {
          error = RemoteErrors.of(ErrorInfo.Type.OBJECT_RECONSTRUCTION_FAILED, "object " + id + " was lost (" + why
              + ") and " + l.functionName() + " already ran again " + e.reconstructions + " times (maxRetries=" + max
              + ")", l.functionName());
        } else {
          e.reconstructions++;
          e.copies = null;
          e.value = new CompletableFuture<>();
          return new Remake(l, e.reconstructions);
        }
      }
      e.value = ObjectValue.failed(error);
      return new Failed(error);
    }
  }

  /** Keeps {@code refs} alive as long as the object {@code id} is owned here. */
  void hold(ObjectId id, java.util.List<io.jray.api.ObjectRef<?>> refs) {
    if (refs.isEmpty()) {
      return;
    }
    Entry e = objects.get(id);
    if (e == null) {
      return;
    }
    synchronized (e) {
      java.util.List<io.jray.api.ObjectRef<?>> now = e.contained;
      if (now == null) {
        e.contained = java.util.List.copyOf(refs);
      } else {
        java.util.List<io.jray.api.ObjectRef<?>> both = new java.util.ArrayList<>(now);
        both.addAll(refs);
        e.contained = java.util.List.copyOf(both);
      }
    }
  }

  /** Owned objects now stored (ready, in some node's store): id → value. */
  java.util.Map<ObjectId, ObjectValue> stored() {
    java.util.Map<ObjectId, ObjectValue> out = new java.util.HashMap<>();
    objects.forEach((id, e) -> {
      ObjectValue v = e.now();
      if (v != null && v.isStored()) {
        out.put(id, v);
      }
    });
    return out;
  }

  /**
   * Up to {@code limit} owned objects as the state API shows them (jray list objects): value
   * state, size, where the copies are, and which kinds of reference keep each alive. A scan of
   * the table; each entry read under its monitor.
   */
  java.util.List<io.jray.proto.OwnedObject> describe(int limit) {
    java.util.List<io.jray.proto.OwnedObject> out = new java.util.ArrayList<>();
    for (Entry e : objects.values()) {
      if (out.size() >= limit) {
        break;
      }
      io.jray.proto.OwnedObject.Builder b = io.jray.proto.OwnedObject.newBuilder()
          .setObjectId(io.jray.common.proto.ProtoIds.bytes(e.id)).setIsPut(e.id.isPut()).setSize(-1);
      ObjectValue v = e.now();
      int borrowers;
      boolean contains;
      synchronized (e) {
        borrowers = e.borrowers == null ? 0 : e.borrowers.size();
        contains = e.contained != null && !e.contained.isEmpty();
      }
      if (v == null) {
        b.setState("PENDING");
      } else if (v.isError()) {
        b.setState("FAILED").setErrorType(v.error().getType().name());
      } else {
        b.setState("READY").setStored(v.isStored()).setSize(v.isStored() ? v.stored().getSize() : v.bytes().length);
        if (v.isStored()) {
          b.addLocations(v.stored().getNodeId()).addReferenceKinds("PINNED_IN_STORE");
        }
      }
      for (io.jray.api.NodeId n : copiesOf(e)) {
        b.addLocations(io.jray.common.proto.ProtoIds.bytes(n));
      }
      b.setLocalRefs(e.localRefs).setBorrowers(borrowers);
      if (e.localRefs > 0) {
        b.addReferenceKinds("LOCAL_REFERENCE");
      }
      if (borrowers > 0) {
        b.addReferenceKinds("BORROWED");
      }
      if (contains) {
        b.addReferenceKinds("HOLDS_CONTAINED_REFS");
      }
      out.add(b.build());
    }
    return out;
  }

  /** Forgets copies on a node that died. */
  void nodeDied(io.jray.api.NodeId node) {
    objects.values().forEach(e -> {
      java.util.Set<io.jray.api.NodeId> c = e.copies;
      if (c != null) {
        c.remove(node);
      }
    });
  }

  /** A new pending object and the first ref to it. */
  <T> ObjectRefImpl<T> addPending(ObjectId id, Address owner) {
    objects.put(id, new Entry(this, id, new CompletableFuture<>()));
    return track(new ObjectRefImpl<>(id, owner));
  }

  /** A new ready object (a put) and the first ref to it. */
  <T> ObjectRefImpl<T> addReady(ObjectId id, ObjectValue v, Address owner) {
    objects.put(id, new Entry(this, id, v));
    return track(new ObjectRefImpl<>(id, owner));
  }

  /** Counts a ref to an owned object (also one deserialized here); returns it. */
  <T> ObjectRefImpl<T> track(ObjectRefImpl<T> ref) {
    Entry e = objects.get(ref.id());
    if (e != null) {
      LOCAL_REFS.incrementAndGet(e);
      CLEANER.register(ref, e);
    }
    return ref;
  }

  /** One ref here became unreachable (the cleaner calls this; tests may too). */
  void release(ObjectId id) {
    Entry e = objects.get(id);
    if (e != null && LOCAL_REFS.decrementAndGet(e) == 0) {
      freeIfUnused(e);
    }
  }

  /** Frees {@code e} if neither a ref here nor a borrower holds it. */
  private void freeIfUnused(Entry e) {
    boolean hadBorrowers;
    synchronized (e) {
      if (e.localRefs > 0 || e.borrowers != null && !e.borrowers.isEmpty() || !objects.remove(e.id, e)) {
        return;
      }
      hadBorrowers = e.borrowers != null;
      e.contained = null; // what the value named may go now
    }
    if (hadBorrowers) {
      borrowed.remove(e.id);
    }
    dropLineage(e);
    ObjectValue v = e.now();
    if (v != null) {
      onFree.freed(e.id, v, copiesOf(e));
    }
  }

  /**
   * Another process holds a ref to {@code id} under registration {@code b}. False if the object
   * is not owned here (any more): the borrower's ref does not keep it.
   */
  boolean addBorrower(ObjectId id, Borrow b) {
    Entry e = objects.get(id);
    if (e == null) {
      return false;
    }
    synchronized (e) {
      if (objects.get(id) != e) {
        return false;
      }
      if (e.borrowers == null) {
        e.borrowers = new Borrowers();
        borrowed.add(id);
      }
      e.borrowers.add(b);
    }
    return true;
  }

  /** Registration {@code b} of a borrower of {@code id} ended (it dropped its last ref). */
  void removeBorrower(ObjectId id, Borrow b) {
    Entry e = objects.get(id);
    if (e == null) {
      return;
    }
    synchronized (e) {
      if (e.borrowers == null) {
        e.borrowers = new Borrowers(); // the removal overtook its registration: remember it ended
        borrowed.add(id);
      }
      e.borrowers.remove(b);
    }
    freeIfUnused(e);
  }

  /** Ends every borrow {@code gone} matches (a process or node died); returns how many. */
  int removeBorrowers(java.util.function.Predicate<Borrow> gone) {
    int n = 0;
    for (ObjectId id : borrowed) {
      Entry e = objects.get(id);
      if (e == null) {
        borrowed.remove(id);
        continue;
      }
      int removed;
      synchronized (e) {
        removed = e.borrowers == null ? 0 : e.borrowers.removeIf(gone);
      }
      if (removed > 0) {
        n += removed;
        freeIfUnused(e);
      }
    }
    return n;
  }

  /** Live refs to {@code id} in this process, -1 if not owned here (tests). */
  int localRefCount(ObjectId id) {
    Entry e = objects.get(id);
    return e == null ? -1 : e.localRefs;
  }

  /** Live borrow registrations of {@code id} (tests, status). */
  int borrowerCount(ObjectId id) {
    Entry e = objects.get(id);
    if (e == null) {
      return 0;
    }
    synchronized (e) {
      return e.borrowers == null ? 0 : e.borrowers.size();
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
    if (!v.isStored() && e.lineage != null) {
      dropLineage(e); // only store copies can be lost while this owner lives
    }
    Object now = e.value;
    // completed off the monitor: waiters' callbacks run right here
    boolean completed = !(now instanceof ObjectValue) && Entry.futureOf(now).complete(v);
    if (completed) {
      synchronized (e) {
        if (e.value == now) {
          e.value = v; // readers that waited hold the future; later ones need none
        }
      }
    }
    if (completed && !objects.containsKey(id)) {
      onFree.freed(id, v, copiesOf(e)); // its last ref went while we completed it (a second delete is harmless)
    }
  }

  /**
   * Shutdown: every object still pending fails with {@code error}, so that no get or future waits
   * for a result that can no longer come. Returns how many.
   */
  int failPending(ErrorInfo error) {
    int n = 0;
    for (Entry e : objects.values()) {
      if (!(e.value instanceof ObjectValue)) {
        complete(e.id, ObjectValue.failed(error));
        n++;
      }
    }
    return n;
  }

  /** Records a pulled copy; false if the object is not (or no longer) owned here. */
  boolean addCopy(ObjectId id, io.jray.api.NodeId node) {
    Entry e = objects.get(id);
    if (e == null) {
      return false;
    }
    synchronized (e) {
      // under the monitor: lost() replaces the set under it, and a copy added to the discarded
      // set would be neither freed nor read
      if (e.copies == null) {
        e.copies = ConcurrentHashMap.newKeySet();
      }
      e.copies.add(node);
    }
    return true;
  }

  java.util.Set<io.jray.api.NodeId> copies(ObjectId id) {
    Entry e = objects.get(id);
    return e == null ? java.util.Set.of() : java.util.Set.copyOf(copiesOf(e));
  }

  CompletableFuture<ObjectValue> get(ObjectId id) {
    Entry e = objects.get(id);
    return e == null ? null : e.future();
  }

  int size() {
    return objects.size();
  }
}
