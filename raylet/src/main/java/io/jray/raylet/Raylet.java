package io.jray.raylet;

import io.grpc.Server;
import io.jray.api.JobId;
import io.jray.api.NodeId;
import io.jray.api.WorkerId;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.config.JRayConfig;
import io.jray.common.gcs.GcsClient;
import io.jray.common.grpc.ChannelPool;
import io.jray.common.grpc.Rpc;
import io.jray.common.proto.ProtoIds;
import io.jray.common.session.SessionDir;
import io.jray.objectstore.ObjectPuller;
import io.jray.objectstore.ObjectStoreRpcService;
import io.jray.proto.JobInfo;
import io.jray.proto.NodeInfo;
import io.jray.proto.PubMessage;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's raylet: builds its parts and wires them together, serves them on one gRPC server,
 * registers the node with GCS, and routes GCS publications to the parts they concern (node, job
 * and resource changes to {@link ClusterView}, {@link JobDirectory} and the scheduler; deaths to
 * {@link OrphanCollector} and {@link LeaseScheduler#ownerDied}; new jobs to the pool's prestart; its
 * own node's death to {@link NodeFence}, which ends the process).
 *
 * <p>Threads: {@code raylet-loop} owns the lease scheduler, worker pool, job directory, job code
 * cache, cluster view and driver watch; the parts are built on it and GCS publications are
 * delivered onto it. {@code store-loop} owns the store and the orphan collector, so what concerns
 * them hops there. {@code raylet-retry} re-subscribes to GCS. This class's own fields are set
 * before {@link #start} returns and not changed after, except {@link #server}, which {@link #start}
 * sets for {@link #stop} (the shutdown hook's thread) to read.
 */
final class Raylet {
  private static final Logger LOG = LoggerFactory.getLogger(Raylet.class);

  /**
   * What the process was started with; see {@link RayletMain} for the arguments.
   *
   * @param spillDir null for the default, which names the node
   */
  record Options(String name, SessionDir session, String host, int port, double cpus, Map<String, Double> resources,
      String gcsAddress, boolean head, long storeBytes, Path storeDir, Path spillDir) {}

  private final Options options;
  private final NodeId nodeId = NodeId.random();
  private final NodeFence fence = new NodeFence(nodeId);
  private final EventLoop loop = new EventLoop("raylet-loop");
  private final ScheduledExecutorService retry = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "raylet-retry");
    t.setDaemon(true);
    return t;
  });
  private final GcsClient gcs;
  private final NodeContext node;
  private final NodeStore nodeStore;
  private final JobDirectory jobs;
  private final JobCodeCache code;
  private final ClusterView cluster;
  private final OrphanCollector orphans;
  /** Channels to other raylets (object pulls), closed when GCS declares their node dead. */
  private final ChannelPool peers;
  private final LeaseScheduler scheduler;
  private final NodeManagerRpcService service;
  private volatile Server server;
  /** The node's Prometheus endpoint; null when metrics are off or it could not listen. */
  private volatile io.jray.common.metrics.MetricsServer metrics;
  /** Set in {@link #start} before the subscription that uses it. */
  private volatile GcsResync resync;

  /** Builds the parts; nothing is served or registered yet. */
  Raylet(Options options) throws Exception {
    this.options = options;
    String token = options.session().clusterToken();
    gcs = new GcsClient(options.gcsAddress(), token);
    node = new NodeContext(nodeId, options.host(), options.gcsAddress(), token, options.session(), options.cpus());
    nodeStore = new NodeStore(nodeId.hex(), options.storeBytes(), options.storeDir(),
        options.spillDir() != null ? options.spillDir() : NodeStore.spillDirFor(options.session(), nodeId.hex()));
    jobs = new JobDirectory(loop, gcs);
    String codeDir = JRayConfig.get(JRayConfig.JOB_CODE_CACHE_DIR);
    code = new JobCodeCache(loop, gcs, codeDir.isEmpty() ? options.session().path().resolve("packages")
        : Path.of(codeDir));
    cluster = new ClusterView(nodeId);
    peers = new ChannelPool(token);
    nodeStore.puller = new ObjectPuller(nodeStore.loop, nodeStore.store, peers::get,
        JRayConfig.getLong(JRayConfig.OBJECT_CHUNK_BYTES), JRayConfig.getInt(JRayConfig.OBJECT_PULLS_IN_FLIGHT));
    orphans = new OrphanCollector(nodeStore.store);
    WorkerDeathReporter deaths = new WorkerDeathReporter(gcs, nodeId,
        w -> nodeStore.loop.execute(() -> orphans.workerDied(w, nodeId)));
    CompletableFuture<LeaseScheduler> sched = new CompletableFuture<>();
    CompletableFuture<NodeManagerRpcService> svc = new CompletableFuture<>();
    // built on the loop because the pool and the driver watch start their timers on it at once
    loop.execute(() -> {
      LeaseScheduler s = new LeaseScheduler(loop, node, cluster, ResourceSet.of(options.resources()),
          self -> new WorkerPool(loop, node, jobs, code, w -> {
            self.workerExited(w);
            nodeStore.loop.execute(() -> nodeStore.store.workerDied(w.id));
            deaths.died(w.id, w.jobId, false, "exited with code " + w.process.exitValue());
          }, self::dispatch, self::jobCodeFailed, WorkerPool::fork));
      DriverWatch drivers = new DriverWatch(loop, gcs, JRayConfig.getLong(JRayConfig.DRIVER_CHECK_MS), s::jobFinished,
          deaths);
      svc.complete(new NodeManagerRpcService(loop, node, s, drivers, nodeStore));
      sched.complete(s);
    });
    service = svc.get(30, TimeUnit.SECONDS);
    scheduler = sched.get(30, TimeUnit.SECONDS);
  }

  /** Serves, registers the node with GCS, starts reporting resources and follows GCS publications. */
  void start() throws Exception {
    Server s = Rpc.startServer("0.0.0.0", options.port(), node.token(), null, service,
        new ObjectStoreRpcService(nodeStore.loop, nodeStore.store, nodeStore.puller, cluster::address),
        new LogFileService(options.session().logs(), nodeId));
    server = s;
    node.bound(s.getPort());
    RayletMetrics.publish(service);
    io.jray.common.metrics.MetricsServer m = io.jray.common.metrics.MetricsServer.startIfEnabled(options.host(),
        node.token(), "raylet " + options.name() + " of node " + nodeId);
    metrics = m;
    NodeInfo registration = NodeInfo.newBuilder().setNodeId(ProtoIds.bytes(nodeId)).setHost(options.host())
        .setRayletPort(s.getPort()).putAllTotalResources(options.resources())
        .setSessionDir(options.session().path().toString()).setPid(ProcessHandle.current().pid())
        .setIsHead(options.head()).setMetricsPort(m == null ? 0 : m.port()).build();
    gcs.registerNode(registration);
    resync = new GcsResync(gcs, nodeId, () -> registration);
    ResourceReporter reporter = new ResourceReporter(node, scheduler, gcs,
        JRayConfig.getLong(JRayConfig.RESOURCE_REPORT_MS), fence);
    loop.every(() -> reporter.tick(loop), 100);
    gcs.subscribe("raylet-" + nodeId, loop, this::route, retry);
    LOG.info("raylet {} of node {} serving on {}:{} with {} (GCS {}, session {})", options.name(), nodeId,
        options.host(), s.getPort(), options.resources(), options.gcsAddress(), options.session());
  }

  /** One GCS publication, on {@code raylet-loop}. */
  private void route(PubMessage m) {
    assert loop.inLoop();
    if (m.hasGcs()) {
      resync.seen(m.getGcs(), scheduler.pool().all().stream().map(w -> w.id).toList());
    } else if (m.hasNode()) {
      cluster.node(m.getNode());
      if (m.getNode().getState() == NodeInfo.State.DEAD) {
        NodeId dead = ProtoIds.nodeId(m.getNode().getNodeId());
        if (dead.equals(nodeId)) {
          // the subscription outlived a partition (or came back after it): GCS gave up on us
          fence.declaredDead("GCS published this node as DEAD: " + m.getNode().getDeathReason());
          return;
        }
        peers.nodeDied(dead); // no more pulls from there
        nodeStore.loop.execute(() -> orphans.nodeDied(dead));
      }
    } else if (m.hasWorkerDeath()) {
      WorkerId w = ProtoIds.workerId(m.getWorkerDeath().getWorkerId());
      NodeId at = ProtoIds.nodeId(m.getWorkerDeath().getNodeId());
      nodeStore.loop.execute(() -> orphans.workerDied(w, at));
      scheduler.ownerDied(w);
    } else if (m.hasResources()) {
      cluster.report(m.getResources());
    } else if (m.hasJob()) {
      JobInfo j = m.getJob();
      JobId id = ProtoIds.jobId(j.getJobId());
      boolean known = jobs.get(id) != null;
      boolean finished = jobs.update(j); // before the prestart: a worker start reads the job from here
      if (!known) {
        scheduler.pool().prestartForNewJob(j);
      }
      if (finished) {
        scheduler.jobFinished(id);
        code.forget(id);
      }
    }
  }

  /** Stops the workers, unregisters the node and closes the store (which removes the arena). */
  void stop() {
    fence.stopping();
    LOG.info("raylet stopping: stopping workers");
    CompletableFuture<Void> done = new CompletableFuture<>();
    loop.execute(() -> {
      scheduler.pool().killAll();
      done.complete(null);
    });
    try {
      done.get(5, TimeUnit.SECONDS);
      // one short attempt: a stopping raylet must not wait out a GCS outage
      gcs.withReconnectTimeout(Duration.ZERO).withCallTimeout(Duration.ofSeconds(2)).unregisterNode(nodeId,
          "raylet stopped");
    } catch (Exception e) {
      LOG.warn("unclean raylet stop: {}", e.toString());
    }
    Server s = server;
    if (s != null) {
      s.shutdownNow();
    }
    io.jray.common.metrics.MetricsServer m = metrics;
    if (m != null) {
      m.close();
    }
    nodeStore.close();
    gcs.close();
  }

  void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  int port() {
    return server.getPort();
  }

  NodeId nodeId() {
    return nodeId;
  }

  String arenaPath() {
    return nodeStore.info.getArenaPath();
  }
}
