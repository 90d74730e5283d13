package io.jray.runtime;

import io.jray.api.NodeId;
import io.jray.api.ObjectId;
import io.jray.api.ObjectRef;
import io.jray.api.WorkerId;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.Address;
import io.jray.proto.BorrowChange;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reference counts of DESIGN §5, both halves: for objects owned here the counts live in the
 * {@link OwnershipTable} (local refs, refs held by values and pending tasks, borrowers, lineage);
 * for objects owned elsewhere {@link BorrowedRefs} counts this process's refs and registers it as
 * a borrower. This class is the glue between them: where an arriving ref is counted, the
 * hand-off of a result's refs to the caller, and the borrows that end when a process or node dies.
 *
 * <p>Threads: any; it holds no lock of its own. The table's entries are guarded by their own
 * monitors, {@link BorrowedRefs} by its loans' monitors, and {@link #deadWorkers} is a concurrent
 * set written by the {@code gcs-events} loop. Registrations at other owners are blocking calls
 * on the caller's thread (a thread decoding a value); endings go out on {@code borrow-release}.
 */
final class ReferenceCounter {
  private static final Logger LOG = LoggerFactory.getLogger(ReferenceCounter.class);

  private final OwnershipTable table;
  private final BorrowedRefs borrowed;
  private final ObjectDirectory directory;
  private final Address self;
  /** Processes GCS reported dead: a late registration from one of them must not pin anything. */
  private final Set<WorkerId> deadWorkers = ConcurrentHashMap.newKeySet();

  ReferenceCounter(OwnershipTable table, BorrowedRefs borrowed, ObjectDirectory directory, Address self) {
    this.table = table;
    this.borrowed = borrowed;
    this.directory = directory;
    this.self = self;
  }

  /** Counts a ref to an object owned here, or registers a borrow of one owned elsewhere. */
  <T> ObjectRefImpl<T> adopt(ObjectRefImpl<T> ref) {
    return adopt(ref, null);
  }

  /**
   * Counts a ref that arrived here: as owned, or as borrowed; {@code handoff} is a borrow already
   * made for this process (a task result's), or null to register one.
   */
  <T> ObjectRefImpl<T> adopt(ObjectRefImpl<T> ref, Borrow handoff) {
    return ref.ownedBy(self.getWorkerId().toByteArray()) ? table.track(ref) : borrowed.track(ref, handoff);
  }

  /** Ends a hand-off made for a result this process ignores. */
  void dropHandoff(Address owner, ObjectId id, Borrow handoff) {
    if (owner.getWorkerId().equals(self.getWorkerId())) {
      table.removeBorrower(id, handoff);
    } else {
      borrowed.drop(owner, id, handoff);
    }
  }

  /** Deserializes with borrowed refs registered at their owners before the value is returned. */
  <T> T decoding(Supplier<T> decode) {
    return borrowed.decoding(decode);
  }

  /**
   * Registers {@code caller} as a borrower of each ref a task result contains that the caller
   * does not own, before the result is sent: the refs this worker holds may go the moment it is.
   * Returns the registrations, by position (null where none was needed).
   */
  List<Borrow> handOff(List<ObjectRef<?>> refs, Address caller) {
    List<Borrow> out = new ArrayList<>(refs.size());
    Map<Address, List<BorrowChange>> remote = new LinkedHashMap<>();
    WorkerId callerId = ProtoIds.workerId(caller.getWorkerId());
    NodeId callerNode = ProtoIds.nodeId(caller.getNodeId());
    for (ObjectRef<?> r : refs) {
      ObjectRefImpl<?> ref = (ObjectRefImpl<?>) r;
      if (ref.ownedBy(caller.getWorkerId().toByteArray())) {
        out.add(null);
        continue;
      }
      Borrow b = Borrow.of(callerId, callerNode);
      out.add(b);
      if (ref.ownedBy(self.getWorkerId().toByteArray())) {
        table.addBorrower(ref.id(), b);
      } else {
        remote.computeIfAbsent(ref.owner(), o -> new ArrayList<>()).add(BorrowedRefs.change(ref.id(), b));
      }
    }
    remote.forEach(borrowed::send);
    return out;
  }

  /** Another process registered borrows of objects owned here; returns the ids not owned here. */
  List<ObjectId> borrowersAdded(List<ObjectId> ids, List<Borrow> borrows) {
    List<ObjectId> unknown = new ArrayList<>(0);
    for (int i = 0; i < ids.size(); i++) {
      Borrow b = borrows.get(i);
      if (deadWorkers.contains(b.worker()) || directory.isDead(b.node())) {
        continue; // a report that outlived its sender: it holds nothing
      }
      if (!table.addBorrower(ids.get(i), b)) {
        unknown.add(ids.get(i));
      }
    }
    return unknown;
  }

  void borrowersRemoved(List<ObjectId> ids, List<Borrow> borrows) {
    for (int i = 0; i < ids.size(); i++) {
      table.removeBorrower(ids.get(i), borrows.get(i));
    }
  }

  /** GCS reported a worker or driver dead: whatever it borrowed from here is released. */
  void workerDied(WorkerId worker) {
    if (deadWorkers.add(worker)) {
      int n = table.removeBorrowers(Borrowers.of(worker));
      if (n > 0) {
        LOG.info("worker {} died holding {} borrows of objects owned here; released", worker, n);
      }
    }
  }

  /** GCS declared {@code node} dead: the borrows of every process on it are released. */
  void nodeDied(NodeId node) {
    int released = table.removeBorrowers(Borrowers.on(node));
    if (released > 0) {
      LOG.info("node {} died holding {} borrows of objects owned here; released", node, released);
    }
  }

  /** Borrow registrations of an object owned here (tests, status). */
  int borrowerCount(ObjectId id) {
    return table.borrowerCount(id);
  }

  /** Whether this process holds refs to {@code id}, owned elsewhere (tests). */
  boolean borrows(ObjectId id) {
    return borrowed.borrows(id);
  }

  /** Objects owned elsewhere that this process holds refs to. */
  int borrowedCount() {
    return borrowed.size();
  }

  /** Objects owned here. */
  int ownedCount() {
    return table.size();
  }
}
