package io.jray.runtime;

import io.jray.common.proto.ProtoIds;
import static org.assertj.core.api.Assertions.assertThat;

import io.jray.api.NodeId;
import io.jray.api.ObjectId;
import io.jray.api.ObjectRef;
import io.jray.api.TaskId;
import io.jray.api.WorkerId;
import io.jray.proto.Address;
import io.jray.proto.BorrowChange;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Distributed reference counting as pure logic: one owner's table and borrowers' ref tables
 * wired to it in memory instead of over gRPC, refs dropped for real and collected by the GC (the
 * same cleaners the runtime uses). Covers nested refs, passing refs on, hand-offs in results,
 * and borrow reports that arrive twice, late or out of order.
 */
class ReferenceCountingTest {
  private static final WorkerId OWNER_ID = WorkerId.random();
  private static final Address OWNER = Address.newBuilder().setHost("127.0.0.1").setPort(1)
      .setWorkerId(ProtoIds.bytes(OWNER_ID)).build();

  private final Set<ObjectId> freed = ConcurrentHashMap.newKeySet();
  private final OwnershipTable owner = new OwnershipTable((id, v, copies) -> freed.add(id), 1 << 20);
  private final ScheduledExecutorService releaser = Executors.newSingleThreadScheduledExecutor();
  /** Every report the borrowers sent, in order: "+id" and "-id". */
  private final List<String> reports = java.util.Collections.synchronizedList(new ArrayList<>());

  /** The owner's endpoint, called directly. */
  private final OwnerLink link = new OwnerLink() {
    @Override
    public List<ObjectId> add(Address to, List<BorrowChange> borrows) {
      List<ObjectId> unknown = new ArrayList<>();
      for (BorrowChange c : borrows) {
        ObjectId id = ProtoIds.objectId(c.getObjectId());
        reports.add("+" + id);
        if (!owner.addBorrower(id, Borrow.fromProto(c.getToken()))) {
          unknown.add(id);
        }
      }
      return unknown;
    }

    @Override
    public void remove(Address to, List<BorrowChange> borrows) {
      for (BorrowChange c : borrows) {
        ObjectId id = ProtoIds.objectId(c.getObjectId());
        reports.add("-" + id);
        owner.removeBorrower(id, Borrow.fromProto(c.getToken()));
      }
    }
  };

  private BorrowedRefs borrower(WorkerId id) {
    return new BorrowedRefs(id, NodeId.random(), link, releaser);
  }

  @AfterEach
  void stop() {
    releaser.shutdownNow();
  }

  private static ObjectId newId() {
    return ObjectId.forReturn(TaskId.random(), 0);
  }

  private static ObjectValue small() {
    return ObjectValue.of(new byte[] {1, 2, 3});
  }

  /** A ref as a deserialized copy of the owner's: a distinct instance, as in another process. */
  private static <T> ObjectRefImpl<T> copyOf(ObjectRef<T> ref) {
    return new ObjectRefImpl<>(ref.id(), OWNER);
  }

  /** Collects garbage until {@code done} (cleaners run on their own thread, after a GC). */
  private static void awaitGc(BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime()).as("still waiting after 10 s").isLessThan(deadline);
      System.gc();
      Thread.sleep(20);
    }
  }

  /** Drops the owner's only ref (created inside, so nothing here keeps it) and lets the GC see it. */
  private ObjectId ownedAndDropped(BorrowedRefs b, List<ObjectRef<?>> borrowed) throws InterruptedException {
    ObjectId id = newId();
    ObjectRef<?> mine = owner.addReady(id, small(), OWNER);
    borrowed.add(b.track(copyOf(mine)));
    return id;
  }

  @Test
  void aBorrowedObjectLivesUntilTheBorrowerDropsIt() throws Exception {
    BorrowedRefs b = borrower(WorkerId.random());
    List<ObjectRef<?>> held = new ArrayList<>();
    ObjectId id = ownedAndDropped(b, held);
    assertThat(owner.borrowerCount(id)).isEqualTo(1);

    // the owner's own ref is unreachable now; the borrow alone keeps the object
    awaitGc(() -> owner.localRefCount(id) == 0);
    assertThat(owner.get(id)).isNotNull();

    held.clear();
    awaitGc(() -> freed.contains(id));
    assertThat(owner.get(id)).isNull();
    assertThat(b.size()).isZero();
    assertThat(reports).containsExactly("+" + id, "-" + id);
  }

  @Test
  void manyRefsInOneProcessAreOneBorrow() throws Exception {
    BorrowedRefs b = borrower(WorkerId.random());
    ObjectId id = newId();
    ObjectRef<?> mine = owner.addReady(id, small(), OWNER);
    List<ObjectRef<?>> copies = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      copies.add(b.track(copyOf(mine)));
    }
    assertThat(owner.borrowerCount(id)).isEqualTo(1);
    copies.subList(0, 99).clear();
    mine = null;
    System.gc();
    Thread.sleep(200);
    assertThat(owner.get(id)).as("one of the borrower's refs is still alive").isNotNull();
    assertThat(reports).containsExactly("+" + id);
    copies.clear();
    awaitGc(() -> freed.contains(id));
  }

  @Test
  void nestedRefsLiveWhileTheValueNamingThemCanBeRead() throws Exception {
    BorrowedRefs b = borrower(WorkerId.random());
    ObjectId inner = newId();
    ObjectId outer = newId();
    List<ObjectRef<?>> held = new ArrayList<>();
    putNested(inner, outer, b, held);
    // the owner dropped both refs: outer lives for its borrower, inner for outer's value
    System.gc();
    Thread.sleep(200);
    assertThat(owner.get(outer)).isNotNull();
    assertThat(owner.get(inner)).isNotNull();

    held.clear();
    awaitGc(() -> freed.containsAll(List.of(outer, inner)));
  }

  /** A put of {@code List.of(inner)} as {@code outer}, borrowed by {@code b}; the owner keeps no ref. */
  private void putNested(ObjectId inner, ObjectId outer, BorrowedRefs b, List<ObjectRef<?>> held) {
    ObjectRef<?> innerRef = owner.addReady(inner, small(), OWNER);
    ObjectRef<?> outerRef = owner.addReady(outer, small(), OWNER);
    owner.hold(outer, List.of(innerRef));
    held.add(b.track(copyOf(outerRef)));
  }

  @Test
  void aRefPassedOnStaysWhileTheNewHolderHasIt() throws Exception {
    BorrowedRefs first = borrower(WorkerId.random());
    BorrowedRefs second = borrower(WorkerId.random());
    List<ObjectRef<?>> firstHeld = new ArrayList<>();
    ObjectId id = ownedAndDropped(first, firstHeld);
    // first passes it on (inside a task argument): second registers while first still holds it
    List<ObjectRef<?>> secondHeld = new ArrayList<>();
    secondHeld.add(second.track(copyOf(firstHeld.get(0))));
    assertThat(owner.borrowerCount(id)).isEqualTo(2);

    firstHeld.clear();
    awaitGc(() -> owner.borrowerCount(id) == 1);
    assertThat(owner.get(id)).isNotNull();
    assertThat(freed).doesNotContain(id);

    secondHeld.clear();
    awaitGc(() -> freed.contains(id));
  }

  @Test
  void aResultsRefsAreHandedToTheCallerBeforeTheWorkerLetsGo() throws Exception {
    WorkerId callerId = WorkerId.random();
    BorrowedRefs worker = borrower(WorkerId.random());
    BorrowedRefs caller = borrower(callerId);
    List<ObjectRef<?>> workerHeld = new ArrayList<>();
    ObjectId id = ownedAndDropped(worker, workerHeld);
    // the worker returns the ref: it registers the caller first (CoreWorker.handOff)...
    Borrow handoff = Borrow.of(callerId, NodeId.random());
    assertThat(owner.addBorrower(id, handoff)).isTrue();
    // ...then its own refs may go before the caller has even read the reply
    workerHeld.clear();
    awaitGc(() -> owner.borrowerCount(id) == 1 && owner.localRefCount(id) == 0);
    assertThat(owner.get(id)).isNotNull();

    List<ObjectRef<?>> callerHeld = new ArrayList<>();
    callerHeld.add(caller.track(copyOf(new ObjectRefImpl<>(id, OWNER)), handoff));
    assertThat(reports).as("the caller needs no call of its own").containsExactly("+" + id, "-" + id);
    callerHeld.clear();
    awaitGc(() -> freed.contains(id));
  }

  @Test
  void aRemovalThatOvertakesItsRegistrationWins() {
    ObjectId id = newId();
    ObjectRef<?> mine = owner.addReady(id, small(), OWNER);
    Borrow b = Borrow.of(WorkerId.random(), NodeId.random());
    owner.removeBorrower(id, b);
    assertThat(owner.addBorrower(id, b)).as("the object is still owned").isTrue();
    assertThat(owner.borrowerCount(id)).as("the late registration does not count").isZero();

    owner.release(id); // the owner's last ref goes: nothing else holds it
    assertThat(freed).contains(id);
    java.lang.ref.Reference.reachabilityFence(mine);
  }

  @Test
  void repeatedReportsCountOnce() {
    ObjectId id = newId();
    ObjectRef<?> mine = owner.addReady(id, small(), OWNER);
    Borrow b = Borrow.of(WorkerId.random(), NodeId.random());
    Borrow other = Borrow.of(WorkerId.random(), NodeId.random());
    owner.addBorrower(id, b);
    owner.addBorrower(id, b);
    owner.addBorrower(id, other);
    assertThat(owner.borrowerCount(id)).isEqualTo(2);
    owner.release(id);
    owner.removeBorrower(id, b);
    owner.removeBorrower(id, b);
    assertThat(freed).as("other still borrows it").doesNotContain(id);
    owner.addBorrower(id, b); // a retried registration arriving after its removal
    owner.removeBorrower(id, other);
    assertThat(freed).contains(id);
    java.lang.ref.Reference.reachabilityFence(mine);
  }

  @Test
  void aDeadBorrowersRegistrationsEnd() {
    WorkerId dead = WorkerId.random();
    NodeId deadNode = NodeId.random();
    ObjectId a = newId();
    ObjectId c = newId();
    ObjectRef<?> ra = owner.addReady(a, small(), OWNER);
    ObjectRef<?> rc = owner.addReady(c, small(), OWNER);
    owner.addBorrower(a, Borrow.of(dead, NodeId.random()));
    owner.addBorrower(a, Borrow.of(dead, NodeId.random()));
    owner.addBorrower(c, Borrow.of(WorkerId.random(), deadNode));
    owner.release(a);
    owner.release(c);
    assertThat(freed).isEmpty();

    assertThat(owner.removeBorrowers(Borrowers.of(dead))).isEqualTo(2);
    assertThat(freed).containsExactly(a);
    assertThat(owner.removeBorrowers(Borrowers.on(deadNode))).isEqualTo(1);
    assertThat(freed).containsExactlyInAnyOrder(a, c);
    java.lang.ref.Reference.reachabilityFence(ra);
    java.lang.ref.Reference.reachabilityFence(rc);
  }

  @Test
  void aBorrowOfAnObjectTheOwnerFreedDoesNotCount() {
    BorrowedRefs b = borrower(WorkerId.random());
    ObjectId id = newId();
    ObjectRef<?> ref = b.track(new ObjectRefImpl<>(id, OWNER)); // never owned (or freed already)
    assertThat(owner.borrowerCount(id)).isZero();
    assertThat(owner.get(id)).isNull();
    java.lang.ref.Reference.reachabilityFence(ref);
  }
}
