package io.jray.runtime;

import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.jray.api.JobId;
import io.jray.api.NodeId;
import io.jray.api.ObjectId;
import io.jray.api.ObjectRef;
import io.jray.api.RuntimeContext;
import io.jray.api.TaskId;
import io.jray.api.TaskOptions;
import io.jray.api.WaitResult;
import io.jray.api.WorkerId;
import io.jray.api.exception.GetTimeoutException;
import io.jray.api.exception.JRayException;
import io.jray.api.exception.ObjectLostException;
import io.jray.api.spi.JRayRuntime;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.grpc.Rpc;
import io.jray.common.serialization.ObjectCodec;
import io.jray.proto.Address;
import io.jray.common.config.JRayConfig;
import io.jray.proto.ErrorInfo;
import io.jray.proto.NodeManagerServiceGrpc;
import io.jray.proto.NotifyBlockedRequest;
import io.jray.proto.ObjectReference;
import io.jray.proto.SchedulingStrategySpec;
import io.jray.proto.TaskArg;
import io.jray.proto.TaskSpec;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime behind {@code io.jray.api.JRay} in a driver or a worker: owns the objects it
 * creates, submits tasks, serves its gRPC endpoint, and (in a worker) executes pushed tasks.
 *
 * <p>Threads: the task submitter (its monitor) owns leases and in-flight tasks; the ownership table is
 * a concurrent map of futures (completed once); {@code task-executor} runs user code in workers;
 * API calls come from any user thread.
 */
public final class CoreWorker implements JRayRuntime {
  private static final Logger LOG = LoggerFactory.getLogger(CoreWorker.class);

  private final boolean driver;
  private final JobId jobId;
  private final NodeId nodeId;
  private final WorkerId workerId;
  private final Address raylet;
  private final String host;
  private final ChannelCache channels;
  private final OwnershipTable table = new OwnershipTable(this::freed,
      JRayConfig.getLong(JRayConfig.LINEAGE_MAX_BYTES));
  /** Nodes GCS has declared dead: copies there are gone. */
  private final java.util.Set<NodeId> deadNodes = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private static final java.lang.ref.Cleaner VIEWS = java.lang.ref.Cleaner.create();
  private volatile io.jray.objectstore.StoreClient store;
  private volatile long inlineThreshold = Long.MAX_VALUE;
  private final EventLoop submitterLoop = new EventLoop("submitter");
  private final ObjectFetcher fetcher;
  /** Ends borrows a moment after their refs go (blocking calls to owners, off every other thread). */
  private final java.util.concurrent.ScheduledExecutorService borrowReleaser =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon()
          .name("borrow-release").factory());
  private final OwnerLink ownerLink;
  private final BorrowedRefs borrowed;
  private volatile IdleCollector idleCollector;
  /** Processes GCS reported dead: a late registration from one of them must not pin anything. */
  private final java.util.Set<WorkerId> deadWorkers = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final AtomicInteger putIndex = new AtomicInteger();
  private final AtomicInteger blockedDepth = new AtomicInteger();
  private final TaskId rootTaskId = TaskId.random();
  private final List<Runnable> onShutdown = new ArrayList<>();
  private volatile TaskId currentTask;
  private Server server;
  private Address self;
  private TaskSubmitter submitter;
  private TaskExecutor executor;
  private volatile boolean shutDown;
  private static volatile CoreWorker current;

  CoreWorker(boolean driver, JobId jobId, NodeId nodeId, WorkerId workerId, Address raylet, String host,
      String token) {
    this.driver = driver;
    this.jobId = jobId;
    this.nodeId = nodeId;
    this.workerId = workerId;
    this.raylet = raylet;
    this.host = host;
    this.channels = new ChannelCache(token);
    this.fetcher = new ObjectFetcher(channels);
    this.ownerLink = new GrpcOwnerLink(channels);
    this.borrowed = new BorrowedRefs(workerId, nodeId, ownerLink, borrowReleaser);
    this.currentTask = rootTaskId;
  }

  /** Starts the gRPC endpoint (and, in a worker, the executor). Returns this worker's address. */
  Address start(String token) throws IOException {
    if (!driver) {
      executor = new TaskExecutor(this);
      TaskExecutor ex = executor;
      idleCollector = new IdleCollector(borrowReleaser, borrowed::size, () -> borrowed.size() + table.size(), ex::idle);
    }
    server = Rpc.startServer("0.0.0.0", 0, token, null, new CoreWorkerRpcService(this));
    self = Address.newBuilder().setHost(host).setPort(server.getPort())
        .setWorkerId(ByteString.copyFrom(workerId.bytes())).setNodeId(ByteString.copyFrom(nodeId.bytes())).build();
    submitter = new TaskSubmitter(submitterLoop, table, channels, self, raylet, ByteString.copyFrom(jobId.bytes()),
        id -> {
          io.jray.objectstore.StoreClient s = store;
          if (s != null) {
            s.delete(id);
          }
        }, this::argumentLost, new TaskSubmitter.ResultRefs() {
          @Override
          public ObjectRefImpl<?> adopt(ObjectRefImpl<?> ref, Borrow handoff) {
            return CoreWorker.this.adopt(ref, handoff);
          }

          @Override
          public void ignored(Address owner, ObjectId id, Borrow handoff) {
            dropHandoff(owner, id, handoff);
          }
        });
    current = this;
    LOG.info("{} {} of job {} serving on {}:{}", driver ? "driver" : "worker", workerId, jobId, host, server.getPort());
    return self;
  }

  private final CountDownLatch registered = new CountDownLatch(1);

  /** The worker registered and mapped its store: pushed tasks may run now. */
  void ready() {
    registered.countDown();
  }

  /** Tasks wait for this: a lease can be granted a moment before the worker reads its registration reply. */
  void awaitReady() throws InterruptedException {
    registered.await();
  }

  /** Maps the node's object store, told by the raylet at registration. */
  void attachStore(io.jray.proto.StoreInfo info) {
    if (info.getArenaPath().isEmpty()) {
      return;
    }
    store = new io.jray.objectstore.StoreClient(java.nio.file.Path.of(info.getArenaPath()), info.getCapacity(),
        channels.get(raylet.getHost(), raylet.getPort()), workerId);
    inlineThreshold = info.getInlineThreshold();
    LOG.info("mapped the object store of node {} ({} bytes, objects over {} bytes go there)", nodeId,
        info.getCapacity(), inlineThreshold);
  }

  /** The owner dropped its last ref: a stored copy is deleted from the node's store. */
  private void freed(ObjectId id, ObjectValue v, java.util.Set<NodeId> copies) {
    io.jray.objectstore.StoreClient s = store;
    if (v.isStored() && s != null && !shutDown) {
      java.util.Set<NodeId> nodes = new java.util.HashSet<>(copies);
      nodes.add(NodeId.fromBytes(v.stored().getNodeId().toByteArray()));
      s.delete(id, nodes);
    }
  }

  /**
   * Every node holding a copy of an object owned here: its primary's and the pulled ones, less
   * nodes known dead (tests, status, other readers).
   */
  public java.util.Set<NodeId> locationsOf(ObjectId id) {
    CompletableFuture<ObjectValue> f = table.get(id);
    ObjectValue v = f == null ? null : f.getNow(null);
    java.util.Set<NodeId> out = new java.util.HashSet<>(table.copies(id));
    if (v != null && v.isStored()) {
      out.add(NodeId.fromBytes(v.stored().getNodeId().toByteArray()));
    }
    out.removeAll(deadNodes);
    return out;
  }

  /** Whether this process owns {@code id} now (tests, status). */
  public boolean owns(ObjectId id) {
    return table.get(id) != null;
  }

  /** A borrower pulled a copy of an object owned here to {@code node}. */
  void copyAdded(ObjectId id, NodeId node) {
    table.addCopy(id, node);
  }

  /**
   * Writes a large value into this node's store as {@code id}; returns where it lives, or null
   * when the value is small enough to travel inline (then {@code inline[0]} holds its bytes).
   */
  io.jray.proto.StoredLocation storeIfLarge(ObjectId id, Object value, byte[][] inline,
      List<ObjectRef<?>> contained) {
    return storeIfLarge(id, value, inline, contained, self);
  }

  /** As above, for an object {@code owner} owns (a task's return: its caller), which the store records. */
  io.jray.proto.StoredLocation storeIfLarge(ObjectId id, Object value, byte[][] inline,
      List<ObjectRef<?>> contained, Address owner) {
    StoredValueFormat.Encoded e;
    try {
      e = ContainedRefs.encode(value, contained);
    } catch (RuntimeException ex) {
      throw new IllegalArgumentException("cannot serialize " + (value == null ? "null" : value.getClass().getName())
          + ": " + ex.getMessage(), ex);
    }
    io.jray.objectstore.StoreClient s = store;
    long size = e.storedSize();
    if (s == null || size <= inlineThreshold) {
      inline[0] = e.inlineBytes();
      return null;
    }
    try {
      s.put(id, size, true, owner, e::writeTo);
    } catch (io.jray.objectstore.StoreFullException ex) {
      throw new io.jray.api.exception.ObjectStoreFullException(ex.getMessage());
    }
    return io.jray.proto.StoredLocation.newBuilder().setNodeId(ByteString.copyFrom(nodeId.bytes())).setSize(size)
        .build();
  }

  /** Reads a stored object from this node's store (copying arrays, viewing ByteBuffers). */
  Object readStored(ObjectId id, io.jray.proto.StoredLocation where, Address owner) {
    io.jray.objectstore.StoreClient s = store;
    if (s == null) {
      throw new ObjectLostException("object " + id + " is in the object store, which this process has not mapped");
    }
    if (!where.getNodeId().equals(ByteString.copyFrom(nodeId.bytes()))) {
      // on another node: this node's raylet pulls a copy first (once, however many ask)
      pull(s, id, where, owner);
      tellOwnerOfCopy(id, owner);
    }
    java.lang.foreign.MemorySegment seg = s.get(id, 30_000);
    if (seg == null) {
      throw new ObjectLostException("object " + id + " is not in the object store of node " + nodeId
          + " (freed, or its node lost it)");
    }
    boolean view = StoredValueFormat.isView(seg);
    try {
      Object o = borrowed.decoding(() -> StoredValueFormat.decode(seg));
      if (view) {
        // a zero-copy view: the object stays held in the store while the view is reachable
        VIEWS.register(o, () -> s.release(id));
      }
      return o;
    } finally {
      if (!view) {
        s.release(id);
      }
    }
  }

  /**
   * Has this node's raylet pull {@code id} from the node {@code where} names; if that fails, from
   * the other nodes its owner knows to hold a copy, one after another.
   */
  private void pull(io.jray.objectstore.StoreClient s, ObjectId id, io.jray.proto.StoredLocation where,
      Address owner) {
    java.util.Map<NodeId, String> failed = new java.util.LinkedHashMap<>();
    java.util.ArrayDeque<NodeId> candidates = new java.util.ArrayDeque<>();
    candidates.add(NodeId.fromBytes(where.getNodeId().toByteArray()));
    boolean askedOwner = false;
    while (true) {
      NodeId from = candidates.poll();
      if (from == null) {
        if (askedOwner) {
          throw new ObjectLostException("object " + id + " could not be copied to node " + nodeId + " from any node"
              + " holding it: " + failed);
        }
        askedOwner = true;
        for (NodeId n : locationsFromOwner(id, owner)) {
          if (!failed.containsKey(n) && !n.equals(nodeId)) {
            candidates.add(n);
          }
        }
        continue;
      }
      try {
        s.fetch(id, where.getSize(), from, owner == null ? self : owner);
        if (!failed.isEmpty()) {
          LOG.info("object {}: copied from node {} after {} failed", id, from, failed);
        }
        return;
      } catch (io.grpc.StatusRuntimeException e) {
        if (e.getStatus().getCode() == io.grpc.Status.Code.RESOURCE_EXHAUSTED) {
          throw new io.jray.api.exception.ObjectStoreFullException(e.getStatus().getDescription());
        }
        failed.put(from, e.getStatus().getCode() + " " + e.getStatus().getDescription());
        LOG.warn("object {}: pull from node {} failed ({}); trying the other copies", id, from,
            e.getStatus().getDescription());
      }
    }
  }

  private java.util.Set<NodeId> locationsFromOwner(ObjectId id, Address owner) {
    if (owner == null || owner.getWorkerId().equals(self.getWorkerId())) {
      return locationsOf(id);
    }
    try {
      var r = io.jray.proto.CoreWorkerServiceGrpc.newBlockingStub(channels.get(owner.getHost(), owner.getPort()))
          .withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS).getObjectLocations(
              io.jray.proto.GetObjectLocationsRequest.newBuilder().setObjectId(ByteString.copyFrom(id.bytes())).build());
      java.util.Set<NodeId> out = new java.util.LinkedHashSet<>();
      r.getNodeIdsList().forEach(b -> out.add(NodeId.fromBytes(b.toByteArray())));
      return out;
    } catch (io.grpc.StatusRuntimeException e) {
      LOG.warn("object {}: cannot ask its owner for other copies: {}", id, e.getStatus());
      return java.util.Set.of();
    }
  }

  /** The owner frees pulled copies too, so it learns of each one (best effort: asynchronously). */
  private void tellOwnerOfCopy(ObjectId id, Address owner) {
    if (owner == null || owner.getWorkerId().equals(self.getWorkerId())) {
      table.addCopy(id, nodeId);
      return;
    }
    io.jray.proto.CoreWorkerServiceGrpc.newStub(channels.get(owner.getHost(), owner.getPort())).addObjectLocation(
        io.jray.proto.AddObjectLocationRequest.newBuilder().setObjectId(ByteString.copyFrom(id.bytes()))
            .setNodeId(ByteString.copyFrom(nodeId.bytes())).build(),
        new io.grpc.stub.StreamObserver<>() {
          @Override
          public void onNext(io.jray.proto.AddObjectLocationReply r) {}

          @Override
          public void onError(Throwable t) {
            LOG.debug("owner of {} not told of the copy on node {}: {}", id, nodeId, t.toString());
          }

          @Override
          public void onCompleted() {}
        });
  }

  /** The node this core worker leases from died: nothing it queues can run any more. */
  void localNodeDied(String reason) {
    submitter.rayletDied("the raylet of node " + nodeId + " died (" + reason + ")");
  }

  void onShutdown(Runnable r) {
    onShutdown.add(r);
  }

  // ---- identity and context -------------------------------------------------------------

  JobId jobId() {
    return jobId;
  }

  NodeId nodeId() {
    return nodeId;
  }

  WorkerId workerId() {
    return workerId;
  }

  boolean isDriver() {
    return driver;
  }

  TaskId currentTaskId() {
    return currentTask;
  }

  TaskExecutor executor() {
    return executor;
  }

  void enterTask(TaskId id) {
    currentTask = id;
  }

  void exitTask() {
    currentTask = rootTaskId;
  }

  /** The core worker of this JVM, or null before init / after shutdown. Internal. */
  public static CoreWorker current() {
    return current;
  }

  /** How many objects this process owns now (for tests and status). */
  public int ownedObjectCount() {
    return table.size();
  }

  /** Counts a ref to an object owned here that was deserialized in this JVM. */
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
  <T> T decoding(java.util.function.Supplier<T> decode) {
    return borrowed.decoding(decode);
  }

  /**
   * Registers {@code caller} as a borrower of each ref a task result contains that the caller
   * does not own, before the result is sent: the refs this worker holds may go the moment it is.
   * Returns the registrations, by position (null where none was needed).
   */
  List<Borrow> handOff(List<ObjectRef<?>> refs, Address caller) {
    List<Borrow> out = new ArrayList<>(refs.size());
    Map<Address, List<io.jray.proto.BorrowChange>> remote = new java.util.LinkedHashMap<>();
    WorkerId callerId = WorkerId.fromBytes(caller.getWorkerId().toByteArray());
    NodeId callerNode = NodeId.fromBytes(caller.getNodeId().toByteArray());
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

  /** Another process registered or ended borrows of objects owned here; returns ids not owned here. */
  List<ObjectId> borrowersAdded(List<ObjectId> ids, List<Borrow> borrows) {
    List<ObjectId> unknown = new ArrayList<>(0);
    for (int i = 0; i < ids.size(); i++) {
      Borrow b = borrows.get(i);
      if (deadWorkers.contains(b.worker()) || deadNodes.contains(b.node())) {
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

  /**
   * Why this worker should not exit now, or null if it may: objects it owns would die with it,
   * and borrowers would get {@code OwnerDiedException} (Ray keeps such workers too). Refs that are
   * garbage but not yet collected count as owned, so a refusal also starts a collection: the next
   * request may find them gone.
   */
  String reasonToStay() {
    TaskExecutor ex = executor;
    if (ex != null && !ex.idle()) {
      return "running a task";
    }
    int owned = table.size();
    if (owned == 0) {
      return null;
    }
    borrowReleaser.execute(System::gc);
    return "owns " + owned + " objects that other processes may still read";
  }

  /** The executor ran out of tasks (workers only). */
  void executorIdle() {
    IdleCollector c = idleCollector;
    if (c != null) {
      c.wentIdle();
    }
  }

  /** GCS reported a worker or driver dead (on {@code node}): whatever it borrowed from here is released. */
  void workerDied(WorkerId worker, NodeId node) {
    if (deadWorkers.add(worker)) {
      int n = table.removeBorrowers(Borrowers.of(worker));
      if (n > 0) {
        LOG.info("worker {} died holding {} borrows of objects owned here; released", worker, n);
      }
    }
  }

  /** Borrow registrations of an object owned here (tests). */
  public int borrowerCount(ObjectId id) {
    return table.borrowerCount(id);
  }

  /** Objects owned elsewhere that this process holds refs to (tests). */
  public boolean borrows(ObjectId id) {
    return borrowed.borrows(id);
  }

  CompletableFuture<ObjectValue> ownedObject(ObjectId id) {
    return table.get(id);
  }

  @Override
  public RuntimeContext runtimeContext() {
    return new RuntimeContextImpl(this);
  }

  // ---- objects ----------------------------------------------------------------------------

  @Override
  public <T> ObjectRef<T> put(T value) {
    ObjectId id = ObjectId.forPut(currentTask, putIndex.incrementAndGet());
    byte[][] inline = new byte[1][];
    List<ObjectRef<?>> contained = new ArrayList<>(0);
    io.jray.proto.StoredLocation where = storeIfLarge(id, value, inline, contained);
    ObjectRefImpl<T> ref = table.addReady(id, where == null ? ObjectValue.of(inline[0]) : ObjectValue.inStore(where),
        self);
    table.hold(id, contained);
    return ref;
  }

  @Override
  public <T> T get(ObjectRef<T> ref, Duration timeout) {
    return this.<T>get(List.of(ref), timeout).get(0);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> List<T> get(List<ObjectRef<T>> refs, Duration timeout) {
    List<CompletableFuture<ObjectValue>> futures = new ArrayList<>(refs.size());
    boolean allDone = true;
    for (ObjectRef<T> r : refs) {
      CompletableFuture<ObjectValue> f = futureOf(r);
      futures.add(f);
      allDone &= f.isDone();
    }
    if (!allDone) {
      awaitAll(futures, timeout, refs);
    }
    long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
    List<T> out = new ArrayList<>(refs.size());
    for (int i = 0; i < futures.size(); i++) {
      CompletableFuture<ObjectValue> f = futures.get(i);
      while (true) {
        ObjectValue v = f.join();
        if (v.isError()) {
          throw RemoteErrors.toException(v.error());
        }
        try {
          out.add((T) decode(v, refs.get(i)));
          break;
        } catch (ObjectLostException e) {
          // no copy could be fetched: an owner with the lineage makes it again, and this get waits
          ObjectId id = refs.get(i).id();
          if (!v.isStored()) {
            throw e;
          }
          if (!owns(id)) {
            f = askOwnerAgain((ObjectRefImpl<?>) refs.get(i), v, e, deadline);
            continue;
          }
          f = recover(id, v, e.getMessage());
          if (!f.isDone()) {
            long left = deadline - System.nanoTime();
            awaitAll(List.of(f), timeout == null ? null : Duration.ofNanos(Math.max(0, left)), refs.subList(i, i + 1));
          }
        }
      }
    }
    // decode uses only the ids: without this, a GC during a long fetch could collect the refs, and
    // the owner would free the object while it is being read
    java.lang.ref.Reference.reachabilityFence(refs);
    return out;
  }

  /**
   * How long a borrower waits for the owner to make a lost object again: the owner starts when GCS
   * declares the dead node dead (health-check period × failure threshold, 5 s by default), so the
   * wait covers that detection with room to spare, and is bounded so that a get never hangs.
   */
  private static long lostBorrowWaitNanos() {
    long detectMs = JRayConfig.getLong(JRayConfig.HEALTH_PERIOD_MS) * JRayConfig.getLong(
        JRayConfig.HEALTH_FAILURE_THRESHOLD) + JRayConfig.getLong(JRayConfig.HEALTH_TIMEOUT_MS);
    return TimeUnit.MILLISECONDS.toNanos(Math.max(30_000, 3 * detectMs));
  }

  /**
   * Every copy of a borrowed object {@code lost} named is gone. Its owner makes it again once it
   * learns that the node died (lineage permitting), so this asks the owner again until it names
   * another value (a new location, or an error saying why not), or the wait runs out and the loss
   * is the answer.
   */
  private CompletableFuture<ObjectValue> askOwnerAgain(ObjectRefImpl<?> ref, ObjectValue lost,
      ObjectLostException e, long deadline) {
    long until = Math.min(deadline, System.nanoTime() + lostBorrowWaitNanos());
    LOG.info("object {}: no copy could be read; waiting for its owner to make it again", ref.id());
    while (true) {
      long left = until - System.nanoTime();
      if (left <= 0) {
        throw e;
      }
      ObjectValue now;
      try {
        Thread.sleep(Math.min(500, TimeUnit.NANOSECONDS.toMillis(left)));
        now = fetcher.fetch(ref).get(Math.max(1, until - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw e;
      } catch (ExecutionException | TimeoutException te) {
        throw e;
      }
      if (!now.isStored() || !now.stored().equals(lost.stored())) {
        return CompletableFuture.completedFuture(now);
      }
    }
  }

  private Object decode(ObjectValue v, ObjectRef<?> ref) {
    if (v.isStored()) {
      return readStored(ref.id(), v.stored(), ((ObjectRefImpl<?>) ref).owner());
    }
    try {
      return borrowed.decoding(() -> ObjectCodec.decode(v.bytes()));
    } catch (RuntimeException e) {
      throw new JRayException("cannot deserialize object " + ref.id() + ": " + e.getMessage()
          + " (is the class on this process's class path?)", e);
    }
  }

  private void awaitAll(List<CompletableFuture<ObjectValue>> futures, Duration timeout, List<?> refs) {
    CompletableFuture<Void> all = CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new));
    blocked(true);
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
          + refs.size() + " objects not ready (first: " + refs.get(0) + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JRayException("interrupted while waiting in get", e);
    } catch (ExecutionException e) {
      throw new JRayException("unexpected failure while waiting in get", e.getCause());
    } finally {
      blocked(false);
    }
  }

  @Override
  public <T> WaitResult<T> wait(List<ObjectRef<T>> refs, int numReturns, Duration timeout) {
    List<CompletableFuture<ObjectValue>> futures = new ArrayList<>(refs.size());
    for (ObjectRef<T> r : refs) {
      futures.add(futureOf(r));
    }
    CountDownLatch enough = new CountDownLatch(numReturns);
    for (CompletableFuture<ObjectValue> f : futures) {
      f.whenComplete((v, e) -> enough.countDown());
    }
    if (enough.getCount() > 0) {
      blocked(true);
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
        blocked(false);
      }
    }
    List<ObjectRef<T>> ready = new ArrayList<>();
    List<ObjectRef<T>> unready = new ArrayList<>();
    for (int i = 0; i < refs.size(); i++) {
      if (ready.size() < numReturns && futures.get(i).isDone()) {
        ready.add(refs.get(i));
      } else {
        unready.add(refs.get(i));
      }
    }
    return new WaitResult<>(ready, unready);
  }

  private CompletableFuture<ObjectValue> futureOf(ObjectRef<?> ref) {
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

  /** An argument passed by reference, fetched from its owner (a worker executing a task calls this). */
  Object getByReference(ObjectReference ref) {
    ObjectId id = ObjectId.fromBytes(ref.getObjectId().toByteArray());
    if (ref.hasLocation()) {
      return readStored(id, ref.getLocation(), ref.getOwner());
    }
    return get(new ObjectRefImpl<>(id, ref.getOwner()), null);
  }

  /** A worker blocked in get/wait gives its CPU back to the raylet so nested tasks can run. */
  private void blocked(boolean blocked) {
    if (driver || currentTask == rootTaskId) {
      return;
    }
    int depth = blocked ? blockedDepth.incrementAndGet() : blockedDepth.decrementAndGet();
    if ((blocked && depth == 1) || (!blocked && depth == 0)) {
      try {
        NodeManagerServiceGrpc.newBlockingStub(channels.get(raylet.getHost(), raylet.getPort()))
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .notifyBlocked(NotifyBlockedRequest.newBuilder().setWorkerId(ByteString.copyFrom(workerId.bytes()))
                .setBlocked(blocked).build());
      } catch (RuntimeException e) {
        LOG.warn("cannot tell the raylet this worker is {}: {}", blocked ? "blocked" : "unblocked", e.toString());
      }
    }
  }

  // ---- tasks ------------------------------------------------------------------------------

  @Override
  public <R> ObjectRef<R> submitTask(Serializable func, Object[] args, TaskOptions options) {
    if (shutDown) {
      throw new IllegalStateException("JRay was shut down");
    }
    RemoteFunction fn = RemoteFunction.of(func);
    int arity = fn.method.getParameterCount();
    if (args.length != arity) {
      throw new IllegalArgumentException(fn.displayName + " takes " + arity + " arguments, got " + args.length);
    }
    Map<String, Double> resources = new LinkedHashMap<>(fn.defaultResources);
    resources.putAll(options.resources());
    resources.values().removeIf(v -> v == 0.0);
    int maxRetries = options.maxRetries() != null ? options.maxRetries() : fn.defaultMaxRetries;
    TaskId taskId = TaskId.random();
    ObjectId returnId = TaskSubmitter.returnIdOf(taskId);
    TaskSpec.Builder spec = TaskSpec.newBuilder().setTaskId(ByteString.copyFrom(taskId.bytes()))
        .setJobId(ByteString.copyFrom(jobId.bytes())).setFunction(fn.descriptor).putAllResources(resources)
        .setMaxRetries(maxRetries).setRetryExceptions(Boolean.TRUE.equals(options.retryExceptions()))
        .setOwner(self).setReturnsVoid(fn.returnsVoid).setParentTaskId(ByteString.copyFrom(currentTask.bytes()))
        .setReturnObjectId(ByteString.copyFrom(returnId.bytes()))
        .setStrategy(strategyOf(options));
    if (options.name() != null) {
      spec.setName(options.name());
    }
    // Arguments: values are serialized now, on the caller's thread (large ones straight into the
    // object store); ObjectRefs are resolved by the owner before the task is queued, so a leased
    // worker never waits for an argument to be computed.
    Object[] encoded = new Object[args.length];
    List<ObjectRef<?>> contained = new ArrayList<>(0);
    List<CompletableFuture<ObjectValue>> deps = null;
    for (int i = 0; i < args.length; i++) {
      ObjectRef<?> argRef = args[i] instanceof ObjectRef<?> r ? r : null;
      if (argRef == null) {
        ObjectId putId = ObjectId.forPut(currentTask, putIndex.incrementAndGet());
        byte[][] inline = new byte[1][];
        io.jray.proto.StoredLocation where;
        int before = contained.size();
        try {
          where = storeIfLarge(putId, args[i], inline, contained);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("argument " + i + " of " + fn.displayName + ": " + e.getMessage(), e);
        }
        if (where == null) {
          encoded[i] = ByteString.copyFrom(inline[0]);
          continue;
        }
        argRef = table.addReady(putId, ObjectValue.inStore(where), self);
        table.hold(putId, new ArrayList<>(contained.subList(before, contained.size())));
      }
      CompletableFuture<ObjectValue> f = futureOf(argRef);
      encoded[i] = new RefArg(argRef, f);
      if (!f.isDone()) {
        if (deps == null) {
          deps = new ArrayList<>();
        }
        deps.add(f);
      }
    }
    ObjectRefImpl<R> ref = table.addPending(returnId, self);
    // refs inside the arguments live at least as long as the task's result can need them
    table.hold(returnId, contained);
    if (deps == null) {
      queue(spec, encoded, returnId, fn, contained);
    } else {
      CompletableFuture.allOf(deps.toArray(CompletableFuture[]::new))
          .whenComplete((v, e) -> queue(spec, encoded, returnId, fn, contained));
    }
    return ref;
  }

  /** An ObjectRef argument and its value once known. */
  private record RefArg(ObjectRef<?> ref, CompletableFuture<ObjectValue> value) {}

  private void queue(TaskSpec.Builder spec, Object[] encoded, ObjectId returnId, RemoteFunction fn,
      List<ObjectRef<?>> held) {
    queue(spec, encoded, returnId, fn.displayName, 0, held);
  }

  /**
   * Sends a task whose ObjectRef arguments are known: values inline, stored objects by reference.
   * A stored argument owned here whose every copy was on dead nodes is made again first.
   */
  private void queue(TaskSpec.Builder spec, Object[] encoded, ObjectId returnId, String fnName, int argumentLosses,
      List<ObjectRef<?>> held) {
    List<CompletableFuture<ObjectValue>> remade = null;
    for (int i = 0; i < encoded.length; i++) {
      if (encoded[i] instanceof RefArg r) {
        ObjectValue v = r.value().join();
        if (v.isStored() && lostEverywhere(r.ref().id(), v)) {
          CompletableFuture<ObjectValue> f = recover(r.ref().id(), v, "every node holding it died");
          encoded[i] = new RefArg(r.ref(), f);
          if (remade == null) {
            remade = new ArrayList<>();
          }
          remade.add(f);
        }
      }
    }
    if (remade != null) {
      CompletableFuture.allOf(remade.toArray(CompletableFuture[]::new))
          .whenComplete((x, e) -> queue(spec, encoded, returnId, fnName, argumentLosses, held));
      return;
    }
    List<ObjectRef<?>> storedArgs = null;
    for (int i = 0; i < encoded.length; i++) {
      Object a = encoded[i];
      if (a instanceof ByteString b) {
        spec.addArgs(TaskArg.newBuilder().setInlineValue(b));
        continue;
      }
      RefArg r = (RefArg) a;
      ObjectValue v = r.value().join();
      if (v.isError()) {
        // A task whose argument failed fails with the same cause, without running.
        table.complete(returnId, ObjectValue.failed(v.error()));
        return;
      }
      if (v.isStored()) {
        // The worker reads it from its node's store; the ref stays held until the task is done,
        // so the object cannot be freed under a pending task.
        ObjectRefImpl<?> ri = (ObjectRefImpl<?>) r.ref();
        spec.addArgs(TaskArg.newBuilder().setReference(ObjectReference.newBuilder()
            .setObjectId(ByteString.copyFrom(ri.id().bytes())).setOwner(ri.owner()).setLocation(v.stored())));
        if (storedArgs == null) {
          storedArgs = new ArrayList<>(java.util.Collections.nCopies(encoded.length, null));
        }
        storedArgs.set(i, r.ref());
      } else {
        spec.addArgs(TaskArg.newBuilder().setInlineValue(ByteString.copyFrom(v.bytes())));
      }
    }
    TaskSpec built = spec.build();
    List<ObjectRef<?>> refs = storedArgs == null ? List.of() : storedArgs;
    table.setLineage(returnId, new Lineage(built, refs, fnName));
    PendingTask t = new PendingTask(built, returnId, fnName, storedArgs, held);
    t.argumentLosses = argumentLosses;
    submitter.submit(t);
  }

  /** The arguments of {@code spec} as {@link #queue} takes them, stored ones resolved again. */
  private Object[] reencode(TaskSpec spec, List<ObjectRef<?>> storedArgs) {
    Object[] encoded = new Object[spec.getArgsCount()];
    for (int i = 0; i < encoded.length; i++) {
      ObjectRef<?> ref = storedArgs == null || storedArgs.isEmpty() ? null : storedArgs.get(i);
      encoded[i] = ref == null ? spec.getArgs(i).getInlineValue() : new RefArg(ref, futureOf(ref));
    }
    return encoded;
  }

  private void whenAllKnown(Object[] encoded, Runnable then) {
    List<CompletableFuture<ObjectValue>> deps = new ArrayList<>();
    for (Object a : encoded) {
      if (a instanceof RefArg r) {
        deps.add(r.value());
      }
    }
    CompletableFuture.allOf(deps.toArray(CompletableFuture[]::new)).whenComplete((x, e) -> then.run());
  }

  // ---- lost objects ----------------------------------------------------------------------

  /** True when {@code v}'s primary node and every pulled copy's node are known dead. */
  private boolean lostEverywhere(ObjectId id, ObjectValue v) {
    if (!owns(id) || !deadNodes.contains(NodeId.fromBytes(v.stored().getNodeId().toByteArray()))) {
      return false;
    }
    for (NodeId n : table.copies(id)) {
      if (!deadNodes.contains(n)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Every copy of the owned object {@code id} (value {@code lost}) is gone: runs its task again
   * (arguments first, if they are lost too), or fails it when it cannot be made again. Returns
   * the object's future from now on.
   */
  CompletableFuture<ObjectValue> recover(ObjectId id, ObjectValue lost, String why) {
    switch (table.lost(id, lost, why)) {
      case OwnershipTable.Remake m -> {
        LOG.warn("object {} is lost ({}): running {} again (re-execution {})", id, why, m.lineage().functionName(),
            m.attempt());
        reexecutions.incrementAndGet();
        table.get(id).whenComplete((v, x) -> lastRemadeAtNanos.set(System.nanoTime()));
        TaskSpec spec = m.lineage().spec();
        TaskSpec.Builder b = spec.toBuilder().clearArgs().setAttempt(spec.getAttempt() + 1000 * m.attempt());
        Object[] encoded = reencode(spec, m.lineage().storedArgs());
        whenAllKnown(encoded, () -> queue(b, encoded, id, m.lineage().functionName(), 0, List.of()));
      }
      case OwnershipTable.Failed f -> LOG.warn("object {}: {}", id, f.error().getMessage());
      case OwnershipTable.Changed c -> { }
    }
    CompletableFuture<ObjectValue> now = table.get(id);
    return now != null ? now : CompletableFuture.completedFuture(ObjectValue.failed(RemoteErrors.of(
        ErrorInfo.Type.OBJECT_LOST, "object " + id + " was freed", "")));
  }

  /** How many tasks this owner ran again to remake lost objects (tests, status). */
  public long reexecutions() {
    return reexecutions.get();
  }

  private final java.util.concurrent.atomic.AtomicLong reexecutions = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong lastRemadeAtNanos = new java.util.concurrent.atomic.AtomicLong();

  /** {@link System#nanoTime()} when a re-executed task's result last arrived, 0 if none did (tests). */
  public long lastRemadeAtNanos() {
    return lastRemadeAtNanos.get();
  }

  /** GCS declared {@code node} dead: objects owned here that had every copy there are made again. */
  public void nodeDied(NodeId node) {
    if (!deadNodes.add(node)) {
      return;
    }
    table.nodeDied(node);
    int released = table.removeBorrowers(Borrowers.on(node));
    if (released > 0) {
      LOG.info("node {} died holding {} borrows of objects owned here; released", node, released);
    }
    int lost = 0;
    for (var e : table.stored().entrySet()) {
      if (lostEverywhere(e.getKey(), e.getValue())) {
        lost++;
        recover(e.getKey(), e.getValue(), "node " + node + " died");
      }
    }
    if (lost > 0) {
      LOG.warn("node {} died with the only copies of {} objects owned here", node, lost);
    }
  }

  /**
   * A task could not fetch its argument {@code lostId}. If this process owns that argument, it is
   * made again and the task sent again once it is back (not counted against the task's retries,
   * but at most {@value #MAX_ARGUMENT_LOSSES} times); otherwise the task fails with the error.
   */
  void argumentLost(PendingTask t, ObjectId lostId, ErrorInfo error) {
    CompletableFuture<ObjectValue> f = owns(lostId) ? table.get(lostId) : null;
    if (f == null || t.argumentLosses >= MAX_ARGUMENT_LOSSES) {
      table.complete(t.returnId, ObjectValue.failed(error));
      return;
    }
    ObjectValue v = f.getNow(null);
    if (v != null && v.isStored()) {
      recover(lostId, v, "a task on another node could not fetch it");
    } // else it is being made again already: the task waits for it below
    Object[] encoded = reencode(t.spec, t.storedArgs);
    TaskSpec.Builder b = t.spec.toBuilder().clearArgs();
    int losses = t.argumentLosses + 1;
    whenAllKnown(encoded, () -> queue(b, encoded, t.returnId, t.functionName, losses, t.heldRefs));
  }

  private static final int MAX_ARGUMENT_LOSSES = 20;

  private static SchedulingStrategySpec strategyOf(TaskOptions options) {
    var s = options.schedulingStrategy();
    SchedulingStrategySpec.Builder b = SchedulingStrategySpec.newBuilder();
    switch (s.kind()) {
      case SPREAD -> b.setKind(SchedulingStrategySpec.Kind.SPREAD);
      case NODE_AFFINITY -> b.setKind(SchedulingStrategySpec.Kind.NODE_AFFINITY)
          .setNodeId(ByteString.copyFrom(s.nodeId().bytes())).setSoft(s.soft());
      default -> b.setKind(SchedulingStrategySpec.Kind.DEFAULT);
    }
    return b.build();
  }

  // ---- lifecycle --------------------------------------------------------------------------

  @Override
  public void shutdown() {
    if (shutDown) {
      return;
    }
    shutDown = true;
    if (current == this) {
      current = null;
    }
    if (submitter != null) {
      submitter.shutdown();
    }
    for (Runnable r : onShutdown) {
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.warn("shutdown step failed: {}", e.toString());
      }
    }
    if (server != null) {
      server.shutdownNow();
    }
    borrowReleaser.shutdownNow();
    channels.close();
    submitterLoop.close();
    io.jray.objectstore.StoreClient s = store;
    if (s != null) {
      s.close();
    }
  }

}
