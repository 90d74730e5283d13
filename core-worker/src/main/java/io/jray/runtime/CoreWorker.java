package io.jray.runtime;

import io.jray.common.grpc.ChannelPool;
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
import io.jray.api.spi.JRayRuntime;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.config.JRayConfig;
import io.jray.common.grpc.Rpc;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.Address;
import io.jray.proto.ErrorInfo;
import io.jray.proto.SchedulingStrategySpec;
import io.jray.proto.StoreInfo;
import io.jray.proto.StoredLocation;
import io.jray.proto.TaskSpec;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime behind {@code io.jray.api.JRay} in a driver or a worker (DESIGN §5): the wiring of
 * the core worker's parts, and the API calls that go straight to one of them.
 *
 * <p>Parts: {@link OwnershipTable} (objects owned here), {@link ReferenceCounter} (local,
 * submitted, borrowed and lineage counts; {@link BorrowedRefs} for objects owned elsewhere),
 * {@link ObjectDirectory} (copies and locations), {@link StoredObjects} (the node's store and
 * pulls), {@link ObjectReader} (get and wait), {@link ObjectRecovery} (lost objects),
 * {@link TaskManager} (submitted tasks and their outcomes), {@link DependencyResolver}
 * (arguments), {@link NormalTaskSubmitter} (leases and pushes), {@link TaskCanceller}
 * ({@code JRay.cancel}) and, in a worker, {@link TaskReceiver} (pushed tasks).
 *
 * <p>Threads, each named in its part: API calls come from any user thread; gRPC's netty threads
 * run {@link CoreWorkerRpcService} and the submitter's callbacks; {@code submitter} runs the
 * submitter's and task manager's timers; {@code borrow-release} ends borrows and runs idle
 * collections; {@code gcs-events} delivers deaths ({@link DeathSubscription}); {@code
 * task-executor} runs user code in workers; {@code ref-decode-*} virtual threads decode the
 * values of {@code toCompletableFuture} futures. The
 * parts are built in {@link #start} (they need this process's address) before the address is
 * handed to anyone, and never change after.
 */
public final class CoreWorker implements JRayRuntime {
  private static final Logger LOG = LoggerFactory.getLogger(CoreWorker.class);
  private static volatile CoreWorker current;

  private final boolean driver;
  private final JobId jobId;
  private final NodeId nodeId;
  private final WorkerId workerId;
  private final Address raylet;
  private final String host;
  private final ChannelPool channels;
  private final CurrentTask task = new CurrentTask();
  private final AtomicInteger putIndex = new AtomicInteger();
  private final OwnershipTable table;
  private final EventLoop submitterLoop = new EventLoop("submitter");
  /** Ends borrows a moment after their refs go (blocking calls to owners, off every other thread). */
  private final ScheduledExecutorService borrowReleaser = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().daemon().name("borrow-release").factory());
  private final ObjectFetcher fetcher;
  /**
   * Decodes the values behind {@code toCompletableFuture} and runs their non-async dependent
   * stages: one virtual thread per object from the moment its value is known until it is decoded;
   * a pending object takes none ({@link ObjectFutures}). Virtual rather than a small fixed pool
   * because a decode may block (store reads, pulls from other nodes, borrow registrations, the
   * wait for a lost object), and so may the caller's stages that run on it: a fixed pool would be
   * starved by them, or deadlock when a stage calls get on what the pool has yet to decode.
   */
  private final ExecutorService decoders = Executors.newThreadPerTaskExecutor(
      Thread.ofVirtual().name("ref-decode-", 0).factory());
  private final CountDownLatch registered = new CountDownLatch(1);
  private final List<Runnable> onShutdown = new CopyOnWriteArrayList<>();
  private Server server;
  private Address self;
  private ObjectDirectory directory;
  private ReferenceCounter refs;
  private StoredObjects stored;
  private ObjectReader reader;
  private ObjectFutures futures;
  private TaskManager tasks;
  private DependencyResolver resolver;
  private ObjectRecovery recovery;
  private NormalTaskSubmitter submitter;
  private TaskCanceller canceller;
  private TaskReceiver receiver;
  private ActorTaskSubmitter actorSubmitter;
  private volatile ActorManager actors;
  /** Set once this process is connected to GCS (actor calls need it); null before. */
  private volatile io.jray.common.gcs.GcsClient gcs;
  /** Blocking GCS calls decided on threads that must not block (a free, a failed argument). */
  private final java.util.concurrent.ExecutorService actorEvents = Executors.newThreadPerTaskExecutor(
      Thread.ofVirtual().name("actor-events-", 0).factory());
  private IdleCollector idleCollector;
  /** This process's Prometheus endpoint; null when {@code metrics.enabled} is false or it could not listen. */
  private io.jray.common.metrics.MetricsServer metrics;
  /** Task transitions on their way to GCS; null when {@code task-events.enabled} is false. */
  private TaskEventBuffer taskEvents;
  private volatile boolean shutDown;

  CoreWorker(boolean driver, JobId jobId, NodeId nodeId, WorkerId workerId, Address raylet, String host,
      String token) {
    this.driver = driver;
    this.jobId = jobId;
    this.nodeId = nodeId;
    this.workerId = workerId;
    this.raylet = raylet;
    this.host = host;
    this.channels = new ChannelPool(token);
    // the directory is made in start(), before anyone can hand this process a ref to fetch
    this.fetcher = new ObjectFetcher(channels, owner -> directory != null && directory.onDeadNode(owner));
    this.table = new OwnershipTable((id, v, copies) -> {
      stored.freed(id, v, copies);
      ActorManager a = actors;
      if (a != null) {
        a.freed(id);
      }
    }, JRayConfig.getLong(JRayConfig.LINEAGE_MAX_BYTES));
  }

  /** Starts the gRPC endpoint and builds the parts. Returns this process's address. */
  Address start(String token) throws IOException {
    CoreWorkerRpcService service = new CoreWorkerRpcService(this);
    server = Rpc.startServer("0.0.0.0", 0, token, null, service, new OwnerStateRpcService(table, jobId, () -> self));
    self = Address.newBuilder().setHost(host).setPort(server.getPort()).setWorkerId(ProtoIds.bytes(workerId))
        .setNodeId(ProtoIds.bytes(nodeId)).setDriver(driver).build();
    directory = new ObjectDirectory(table, channels, self, nodeId);
    refs = new ReferenceCounter(table, new BorrowedRefs(workerId, nodeId, new GrpcOwnerLink(channels), borrowReleaser),
        directory, self);
    stored = new StoredObjects(channels, raylet, self, nodeId, refs, directory);
    if (!driver) {
      // a worker without its raylet can neither read arguments nor store results, and nobody
      // will lease it again: it exits at once, so its owners retry its tasks elsewhere as after
      // a crash (its tasks are never failed with the store's error as if they had thrown it)
      stored.whenNodeGone(why -> {
        LOG.error("{}; worker {} exits", why, workerId);
        Runtime.getRuntime().halt(1);
      });
    }
    // Recovery and the task parts need each other (a lost argument is made again through the
    // resolver, whose tasks recovery registers): recovery comes first and reaches them late.
    recovery = new ObjectRecovery(table, directory, fetcher, t -> tasks.add(t), (t, e) -> tasks.fail(t, e),
        (t, earlier, spec, storedArgs) -> resolver.resolveAgain(t, earlier, spec, storedArgs, submitter::submit));
    tasks = new TaskManager(table, refs, stored, submitterLoop, recovery);
    taskEvents = TaskEventBuffer.startIfEnabled(ProtoIds.bytes(jobId), self, () -> gcs);
    tasks.reportTo(taskEvents);
    metrics = io.jray.common.metrics.MetricsServer.startIfEnabled(host, token, (driver ? "driver " : "worker ")
        + workerId);
    CoreWorkerMetrics.publish(tasks::size, () -> recovery.reexecutions());
    reader = new ObjectReader(table, fetcher, stored, refs, new BlockedNotice(channels, raylet, workerId, task),
        recovery, self);
    futures = new ObjectFutures(reader, decoders);
    resolver = new DependencyResolver(table, stored, reader, tasks, directory, self, this::nextPutId, recovery);
    submitter = new NormalTaskSubmitter(submitterLoop, tasks, channels, self, raylet, ProtoIds.bytes(jobId),
        directory::onDeadNode);
    actorSubmitter = new ActorTaskSubmitter(tasks, channels, () -> gcs, submitterLoop, directory::onDeadNode);
    actors = new ActorManager(jobId, self, table, resolver, () -> gcs, this::nextPutId, task::id, actorEvents);
    canceller = new TaskCanceller(tasks, List.of(submitter, actorSubmitter), channels, ProtoIds.bytes(workerId));
    if (!driver) {
      TaskCanceller c = canceller;
      receiver = new TaskReceiver(workerId, reader, refs, stored, task, registered, this::executorIdle,
          c::cancelChildren, this::actorExited);
      TaskReceiver r = receiver;
      idleCollector = new IdleCollector(borrowReleaser, refs::borrowedCount,
          () -> refs.borrowedCount() + refs.ownedCount(), r::idle);
    }
    current = this;
    LOG.info("{} {} of job {} serving on {}:{}", driver ? "driver" : "worker", workerId, jobId, host, server.getPort());
    return self;
  }

  /** The worker registered and mapped its store: pushed tasks may run now. */
  void ready() {
    registered.countDown();
  }

  /** The GCS this process reports to; actors need it. Set once, before {@link #ready}. */
  void attachGcs(io.jray.common.gcs.GcsClient client) {
    gcs = client;
  }

  /** The actor hosted here ended itself in a call whose reply is out: GCS is told, then the process ends. */
  private void actorExited(ActorHost host) {
    LOG.info("actor {} exits (JRay.exitActor())", host.id);
    actors.exited(host.id);
    System.exit(0);
  }

  /** Maps the node's object store, told by the raylet at registration. */
  void attachStore(StoreInfo info) {
    stored.attach(info);
  }

  void onShutdown(Runnable r) {
    onShutdown.add(r);
  }

  private ObjectId nextPutId() {
    return ObjectId.forPut(task.id(), putIndex.incrementAndGet());
  }

  // ---- the parts, for the gRPC service and the death subscription ---------------------------

  ObjectDirectory directory() {
    return directory;
  }

  ReferenceCounter refs() {
    return refs;
  }

  TaskReceiver receiver() {
    return receiver;
  }

  CompletableFuture<ObjectValue> ownedObject(ObjectId id) {
    return table.get(id);
  }

  /** Another process asked this owner to cancel the task making {@code returnId}. */
  CancelOutcome cancelOwned(ObjectId returnId, boolean force, boolean recursive) {
    return canceller.cancelOwned(returnId, force, recursive);
  }

  /**
   * The node this core worker leases from died. A worker's tasks are redone elsewhere (it exits);
   * a driver goes on through another alive node's raylet if there is one (its objects stored on
   * its node are lost and remade from lineage, its later values travel inline), and otherwise
   * nothing it queues can run any more. Decided on a virtual thread: it asks GCS.
   */
  void localNodeDied(String reason) {
    String why = "the raylet of node " + nodeId + " died (" + reason + ")";
    io.jray.common.gcs.GcsClient g = gcs;
    if (!driver || g == null) {
      submitter.rayletDied(why);
      return;
    }
    Thread.ofVirtual().name("node-failover").start(() -> {
      Address next = null;
      try {
        next = g.allNodes().stream().filter(n -> n.getState() == io.jray.proto.NodeInfo.State.ALIVE
                && !n.getNodeId().equals(ProtoIds.bytes(nodeId)))
            .sorted(java.util.Comparator.comparing((io.jray.proto.NodeInfo n) -> !n.getIsHead()))
            .map(n -> Address.newBuilder().setHost(n.getHost()).setPort(n.getRayletPort()).setNodeId(n.getNodeId())
                .build())
            .findFirst().orElse(null);
      } catch (RuntimeException e) {
        LOG.warn("{}; GCS could not name another node ({})", why, e.toString());
      }
      if (next == null) {
        submitter.rayletDied(why + "; no other node is alive");
        return;
      }
      stored.nodeLost(new RemoteStoreReader(channels, () -> gcs), next);
      submitter.rayletReplaced(next, why);
    });
  }

  /** GCS declared {@code node} dead: copies there are gone, borrows from there end, lost objects are remade. */
  public void nodeDied(NodeId node) {
    if (directory.nodeDied(node)) {
      int closed = channels.nodeDied(node);
      LOG.debug("node {} died: {} channels to it closed", node, closed);
      refs.nodeDied(node);
      recovery.nodeDied(node);
    }
  }

  /** GCS reported a worker or driver dead: whatever it borrowed from here is released. */
  void workerDied(WorkerId worker) {
    channels.workerDied(worker);
    refs.workerDied(worker);
  }

  /**
   * Why this worker should not exit now, or null if it may: objects it owns would die with it,
   * and borrowers would get {@code OwnerDiedException} (Ray keeps such workers too). Refs that are
   * garbage but not yet collected count as owned, so a refusal also starts a collection: the next
   * request may find them gone.
   */
  String reasonToStay() {
    TaskReceiver r = receiver;
    if (r != null && !r.idle()) {
      return "running a task";
    }
    int owned = refs.ownedCount();
    if (owned == 0) {
      return null;
    }
    borrowReleaser.execute(System::gc);
    return "owns " + owned + " objects that other processes may still read";
  }

  private void executorIdle() {
    IdleCollector c = idleCollector;
    if (c != null) {
      c.wentIdle();
    }
  }

  // ---- identity, context and introspection (tests, status) ----------------------------------

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
    return task.id();
  }

  /** The core worker of this JVM, or null before init / after shutdown. Internal. */
  public static CoreWorker current() {
    return current;
  }

  /** Counts a ref deserialized in this JVM (as owned here or borrowed). */
  <T> ObjectRefImpl<T> adopt(ObjectRefImpl<T> ref) {
    return refs.adopt(ref);
  }

  /** How many objects this process owns now. */
  public int ownedObjectCount() {
    return refs.ownedCount();
  }

  /** Whether this process owns {@code id} now. */
  public boolean owns(ObjectId id) {
    return directory.owns(id);
  }

  /** Every live node holding a copy of an object owned here. */
  public Set<NodeId> locationsOf(ObjectId id) {
    return directory.locationsOf(id);
  }

  /** Borrow registrations of an object owned here. */
  public int borrowerCount(ObjectId id) {
    return refs.borrowerCount(id);
  }

  /** Whether this process holds refs to {@code id}, owned elsewhere. */
  public boolean borrows(ObjectId id) {
    return refs.borrows(id);
  }

  /** How many tasks this owner ran again to remake lost objects. */
  /** The port of this process's metrics endpoint (on its host), or 0 when it serves none. */
  int metricsPort() {
    io.jray.common.metrics.MetricsServer m = metrics;
    return m == null ? 0 : m.port();
  }

  public long reexecutions() {
    return recovery.reexecutions();
  }

  /** {@link System#nanoTime()} when a re-executed task's result last arrived, 0 if none did. */
  public long lastRemadeAtNanos() {
    return recovery.lastRemadeAtNanos();
  }

  @Override
  public RuntimeContext runtimeContext() {
    return new RuntimeContextImpl(this);
  }

  // ---- objects ------------------------------------------------------------------------------

  @Override
  public <T> ObjectRef<T> put(T value) {
    ObjectId id = nextPutId();
    byte[][] inline = new byte[1][];
    List<ObjectRef<?>> contained = new ArrayList<>(0);
    StoredLocation where = stored.storeIfLarge(id, value, inline, contained);
    ObjectRefImpl<T> ref = table.addReady(id, where == null ? ObjectValue.of(inline[0]) : ObjectValue.inStore(where),
        self);
    table.hold(id, contained);
    return ref;
  }

  @Override
  public <T> T get(ObjectRef<T> ref, Duration timeout) {
    return reader.get(List.of(ref), timeout).get(0);
  }

  @Override
  public <T> List<T> get(List<ObjectRef<T>> refList, Duration timeout) {
    return reader.get(refList, timeout);
  }

  /** {@code ObjectRef.toCompletableFuture()}: a new future of the object's value, no thread waiting for it. */
  <T> CompletableFuture<T> toCompletableFuture(ObjectRef<T> ref) {
    return futures.of(ref);
  }

  @Override
  public <T> WaitResult<T> wait(List<ObjectRef<T>> refList, int numReturns, Duration timeout) {
    return reader.wait(refList, numReturns, timeout);
  }

  // ---- tasks --------------------------------------------------------------------------------

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
    ObjectId returnId = TaskManager.returnIdOf(taskId);
    ByteString taskBytes = ProtoIds.bytes(taskId);
    TaskId parent = task.id();
    ByteString parentBytes = ProtoIds.bytes(parent);
    TaskSpec.Builder spec = TaskSpec.newBuilder().setTaskId(taskBytes).setJobId(ProtoIds.bytes(jobId))
        .setFunction(fn.descriptor).putAllResources(resources).setMaxRetries(maxRetries)
        .setRetryExceptions(Boolean.TRUE.equals(options.retryExceptions())).setOwner(self)
        .setReturnsVoid(fn.returnsVoid).setParentTaskId(parentBytes)
        .setReturnObjectId(ProtoIds.bytes(returnId)).setStrategy(strategyOf(options));
    if (options.name() != null) {
      spec.setName(options.name());
    }
    DependencyResolver.Arguments arguments = resolver.encode(args, fn.displayName);
    ObjectRefImpl<R> ref = table.addPending(returnId, self);
    // refs inside the arguments live at least as long as the task's result can need them
    table.hold(returnId, arguments.contained());
    PendingTask t = new PendingTask(taskBytes, returnId, fn.displayName, parentBytes, arguments.contained());
    tasks.add(t);
    if (task.cancelled(parent)) {
      // submitted by a task cancelled recursively, perhaps while the cancel looked for its
      // children: in the table first, checked second, so either the cancel found it or this does
      canceller.submittedByCancelled(t);
    }
    resolver.resolve(t, spec, arguments, submitter::submit);
    return ref;
  }

  // ---- actors -------------------------------------------------------------------------------

  @Override
  public <A> io.jray.api.ActorHandle<A> createActor(Serializable constructor, Object[] args,
      io.jray.api.ActorOptions options) {
    if (shutDown) {
      throw new IllegalStateException("JRay was shut down");
    }
    return actors.create(constructor, args, options);
  }

  @Override
  public <R> ObjectRef<R> submitActorTask(io.jray.api.ActorHandle<?> actor, Serializable func, Object[] args,
      String name) {
    if (shutDown) {
      throw new IllegalStateException("JRay was shut down");
    }
    if (!(actor instanceof ActorHandleImpl<?> h)) {
      throw new IllegalArgumentException("not a handle made by JRay: " + actor.getClass().getName());
    }
    ActorMethod m = ActorMethod.of(func);
    if (args.length != m.arity) {
      throw new IllegalArgumentException(m.displayName + " takes " + m.arity + " arguments, got " + args.length);
    }
    ActorQueue q = actorSubmitter.queue(h.id(), h.className(), h.maxPendingCalls());
    TaskId taskId = TaskId.random();
    ObjectId returnId = TaskManager.returnIdOf(taskId);
    ByteString taskBytes = ProtoIds.bytes(taskId);
    TaskId parent = task.id();
    ByteString parentBytes = ProtoIds.bytes(parent);
    TaskSpec.Builder spec = TaskSpec.newBuilder().setTaskId(taskBytes).setJobId(ProtoIds.bytes(jobId))
        .setFunction(m.descriptor).setOwner(self).setReturnsVoid(m.returnsVoid)
        .setParentTaskId(parentBytes).setReturnObjectId(ProtoIds.bytes(returnId))
        .setActorId(ProtoIds.bytes(h.id()));
    if (name != null) {
      spec.setName(name);
    }
    DependencyResolver.Arguments arguments = resolver.encode(args, m.displayName);
    PendingTask t = new PendingTask(taskBytes, returnId, m.displayName, parentBytes, true, arguments.contained());
    ObjectRefImpl<R> ref = table.addPending(returnId, self);
    table.hold(returnId, arguments.contained());
    tasks.add(t);
    q.add(t); // blocks while maxPendingCalls calls are unanswered
    if (task.cancelled(parent)) {
      canceller.submittedByCancelled(t);
    }
    resolver.resolve(t, spec, arguments, q::resolved);
    return ref;
  }

  @Override
  public <A> java.util.Optional<io.jray.api.ActorHandle<A>> getActor(String name) {
    return actors.named(name);
  }

  void killActor(io.jray.api.ActorId id) {
    actors.kill(id);
  }

  @Override
  public void exitActor() {
    TaskReceiver r = receiver;
    if (r == null || r.actor() == null) {
      throw new IllegalStateException("JRay.exitActor() may only be called inside an actor's method");
    }
    throw new TaskReceiver.ActorExit();
  }

  /** The actor this worker hosts, or null. */
  ActorHost actorHost() {
    TaskReceiver r = receiver;
    return r == null ? null : r.actor();
  }

  private static SchedulingStrategySpec strategyOf(TaskOptions options) {
    var s = options.schedulingStrategy();
    SchedulingStrategySpec.Builder b = SchedulingStrategySpec.newBuilder();
    switch (s.kind()) {
      case SPREAD -> b.setKind(SchedulingStrategySpec.Kind.SPREAD);
      case NODE_AFFINITY -> b.setKind(SchedulingStrategySpec.Kind.NODE_AFFINITY)
          .setNodeId(ProtoIds.bytes(s.nodeId())).setSoft(s.soft());
      default -> b.setKind(SchedulingStrategySpec.Kind.DEFAULT);
    }
    return b.build();
  }

  @Override
  public void cancel(ObjectRef<?> ref, boolean force, boolean recursive) {
    if (shutDown) {
      throw new IllegalStateException("JRay was shut down");
    }
    canceller.cancel(ref, force, recursive);
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  @Override
  public void shutdown() {
    if (shutDown) {
      return;
    }
    shutDown = true;
    if (current == this) {
      current = null;
    }
    if (stored != null) {
      stored.closing();
    }
    if (submitter != null) {
      submitter.shutdown();
    }
    if (taskEvents != null) {
      taskEvents.close(); // before the shutdown steps close the GCS connection: the last transitions go out
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
    if (metrics != null) {
      metrics.close();
    }
    borrowReleaser.shutdownNow();
    fetcher.close();
    actorEvents.shutdownNow();
    channels.close();
    submitterLoop.close();
    // what is still pending now never completes (its result, a timer, a remake cannot come):
    // every get and future waiting for it ends with this instead of hanging
    int failed = table.failPending(RemoteErrors.of(ErrorInfo.Type.SYSTEM_ERROR,
        "JRay was shut down before the object was ready", ""));
    if (failed > 0) {
      LOG.debug("shutdown: {} pending objects failed", failed);
    }
    decoders.shutdown();
    if (stored != null) {
      stored.close();
    }
  }
}
