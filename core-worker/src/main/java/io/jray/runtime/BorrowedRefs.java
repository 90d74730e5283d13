package io.jray.runtime;

import io.jray.common.proto.ProtoIds;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.jray.api.NodeId;
import io.jray.api.ObjectId;
import io.jray.api.WorkerId;
import io.jray.proto.Address;
import io.jray.proto.BorrowChange;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refs this process holds to objects other processes own: the borrower's half of DESIGN §5.
 *
 * <p>The first ref to an object registers this process with the owner as a borrower; every ref is
 * counted and registered with a {@link Cleaner}, and when the last is unreachable the
 * registrations end. Registration is synchronous and happens while the ref is deserialized,
 * before the value holding it reaches user code: until then whatever carried the ref (a task's
 * arguments, a stored value, a task result) pins the object, so the owner cannot free it in
 * between. Refs deserialized together are registered in one call per owner ({@link #decoding}).
 *
 * <p>A task result's refs arrive already registered for the caller by the worker that ran the
 * task (a hand-off, {@link #track(ObjectRefImpl, Borrow)}): the worker's own borrow may end the
 * moment it replies.
 *
 * <p>Threads: any. The loans map is concurrent; each loan's count and registrations are guarded
 * by the loan's monitor, and no call leaves the process under it. A registration is a blocking
 * call on the thread that decoded the ref (after the decode, outside any monitor); endings are
 * queued and sent in batches on the {@code borrow-release} thread. The open decode batch is per
 * thread (a {@code ThreadLocal}): it never crosses threads, so it needs no lock.
 */
final class BorrowedRefs {
  private static final Logger LOG = LoggerFactory.getLogger(BorrowedRefs.class);
  private static final Cleaner CLEANER = Cleaner.create();
  /**
   * Registrations waiting for the end of the decode that found them, per owner. One reusable
   * instance per thread: every task argument is decoded in one, and most find no ref at all.
   */
  private static final class Batch {
    boolean open;
    Map<Address, List<BorrowChange>> byOwner;
  }

  private static final ThreadLocal<Batch> BATCH = ThreadLocal.withInitial(Batch::new);
  private static final long RELEASE_DELAY_MS = 20;

  /** The refs to one borrowed object; also the cleaner's action for each of them. */
  private final class Loan implements Runnable {
    final ObjectId id;
    final Address owner;
    @GuardedBy("this")
    int refs;
    @GuardedBy("this")
    final List<Borrow> registrations = new ArrayList<>(1);
    @GuardedBy("this")
    boolean ended;

    Loan(ObjectId id, Address owner) {
      this.id = id;
      this.owner = owner;
    }

    @Override
    public void run() {
      released(this);
    }
  }

  private record Ending(Address owner, BorrowChange change) {}

  private final WorkerId self;
  private final NodeId node;
  private final OwnerLink owners;
  private final ConcurrentHashMap<ObjectId, Loan> loans = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Ending> endings = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean flushScheduled = new AtomicBoolean();
  private final ScheduledExecutorService releaser;

  BorrowedRefs(WorkerId self, NodeId node, OwnerLink owners, ScheduledExecutorService releaser) {
    this.self = self;
    this.node = node;
    this.owners = owners;
    this.releaser = releaser;
  }

  /** Counts a deserialized ref to an object owned elsewhere, registering with its owner if first. */
  <T> ObjectRefImpl<T> track(ObjectRefImpl<T> ref) {
    return track(ref, null);
  }

  /**
   * Counts {@code ref}; {@code handoff}, if not null, is a registration already made for this
   * process (by the worker that returned the ref), so no call to the owner is needed.
   */
  <T> ObjectRefImpl<T> track(ObjectRefImpl<T> ref, Borrow handoff) {
    while (true) {
      Loan l = loans.computeIfAbsent(ref.id(), id -> new Loan(id, ref.owner()));
      Borrow register = null;
      synchronized (l) {
        if (l.ended) {
          loans.remove(l.id, l);
          continue; // its last ref went a moment ago: start a new loan
        }
        l.refs++;
        if (handoff != null) {
          l.registrations.add(handoff);
        } else if (l.registrations.isEmpty()) {
          register = Borrow.of(self, node);
          l.registrations.add(register);
        }
      }
      CLEANER.register(ref, l);
      if (register != null) {
        register(l.owner, change(l.id, register));
      }
      return ref;
    }
  }

  private void register(Address owner, BorrowChange c) {
    Batch batch = BATCH.get();
    if (batch.open) {
      if (batch.byOwner == null) {
        batch.byOwner = new LinkedHashMap<>();
      }
      batch.byOwner.computeIfAbsent(owner, o -> new ArrayList<>()).add(c);
    } else {
      send(owner, List.of(c));
    }
  }

  /**
   * Runs a deserialization, registering every borrowed ref it finds in one call per owner before
   * the value is returned.
   */
  <T> T decoding(Supplier<T> decode) {
    Batch batch = BATCH.get();
    if (batch.open) {
      return decode.get();
    }
    batch.open = true;
    T value;
    Map<Address, List<BorrowChange>> found;
    try {
      value = decode.get();
    } finally {
      batch.open = false;
      found = batch.byOwner;
      batch.byOwner = null;
    }
    if (found != null) {
      found.forEach(this::send);
    }
    return value;
  }

  /**
   * Registers {@code changes} at {@code owner} now (also for another process: a result's hand-off).
   * An owner that cannot be reached is logged, not thrown: reading its objects raises
   * {@code OwnerDiedException}, which is what the user sees.
   */
  void send(Address owner, List<BorrowChange> changes) {
    try {
      List<ObjectId> unknown = owners.add(owner, changes);
      if (!unknown.isEmpty()) {
        LOG.warn("owner {}:{} no longer has {} of the objects refs to which arrived here (first {}); reading them"
            + " will fail", owner.getHost(), owner.getPort(), unknown.size(), unknown.get(0));
      }
    } catch (RuntimeException e) {
      // a dead owner: reading the object raises OwnerDiedException, which is what the user sees
      LOG.warn("cannot register as borrower of {} objects at owner {}:{} (first {}): {}", changes.size(),
          owner.getHost(), owner.getPort(), ProtoIds.objectId(changes.get(0).getObjectId()),
          e.toString());
    }
  }

  static BorrowChange change(ObjectId id, Borrow b) {
    return BorrowChange.newBuilder().setObjectId(ProtoIds.bytes(id)).setToken(b.toProto()).build();
  }

  private void released(Loan l) {
    List<Borrow> ended;
    synchronized (l) {
      if (--l.refs > 0) {
        return;
      }
      l.ended = true;
      ended = List.copyOf(l.registrations);
    }
    loans.remove(l.id, l);
    for (Borrow b : ended) {
      endLater(l.owner, l.id, b);
    }
  }

  /** Ends hand-off registrations made for a result this process ignores (a duplicate of one it had). */
  void drop(Address owner, ObjectId id, Borrow handoff) {
    endLater(owner, id, handoff);
  }

  /** Ends go out in batches a moment later: a collected list of refs ends thousands at once. */
  private void endLater(Address owner, ObjectId id, Borrow b) {
    endings.add(new Ending(owner, change(id, b)));
    if (flushScheduled.compareAndSet(false, true)) {
      releaser.schedule(this::flushEndings, RELEASE_DELAY_MS, TimeUnit.MILLISECONDS);
    }
  }

  private void flushEndings() {
    flushScheduled.set(false);
    Map<Address, List<BorrowChange>> byOwner = new LinkedHashMap<>();
    for (Ending e; (e = endings.poll()) != null; ) {
      byOwner.computeIfAbsent(e.owner(), o -> new ArrayList<>()).add(e.change());
    }
    byOwner.forEach(owners::remove);
  }

  /** Objects borrowed now (tests, status). */
  int size() {
    return loans.size();
  }

  boolean borrows(ObjectId id) {
    return loans.containsKey(id);
  }
}
