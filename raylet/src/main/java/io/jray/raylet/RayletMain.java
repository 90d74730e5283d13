package io.jray.raylet;

import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.jray.api.JobId;
import io.jray.api.NodeId;
import io.jray.api.WorkerId;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.config.JRayConfig;
import io.jray.common.gcs.GcsClient;
import io.jray.common.grpc.Rpc;
import io.jray.common.process.MainArgs;
import io.jray.common.process.ReadyFile;
import io.jray.common.process.ResourceSpec;
import io.jray.common.session.LogSetup;
import io.jray.common.session.SessionDir;
import io.jray.objectstore.ObjectPuller;
import io.jray.objectstore.ObjectStoreRpcService;
import io.jray.proto.JobInfo;
import io.jray.proto.NodeInfo;
import io.jray.proto.RegisterNodeRequest;
import io.jray.proto.UnregisterNodeRequest;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The raylet process, one per node: {@code --gcs-address H:P --session-dir DIR [--name N]
 * [--num-cpus N] [--resources JSON] [--host IP] [--ready-file F] [--head]}.
 *
 * <p>Threads: {@code raylet-loop} owns the lease scheduler, worker pool, job directory, job code
 * cache and driver watch; gRPC handlers run on netty threads and hop onto it (health checks are answered in place).
 * Process starts, kills and GCS calls run on virtual threads and report back to the loop.
 */
public final class RayletMain {
  private static final Logger LOG = LoggerFactory.getLogger(RayletMain.class);

  private RayletMain() {}

  public static void main(String[] argv) throws Exception {
    MainArgs args = MainArgs.parse(argv);
    SessionDir session = SessionDir.open(Path.of(args.required("session-dir")));
    String name = args.get("name", "raylet");
    LogSetup.toFile(session.logFile(name));
    String token = session.clusterToken();
    String host = args.get("host", "127.0.0.1");
    double cpus = Double.parseDouble(args.get("num-cpus", Integer.toString(Runtime.getRuntime().availableProcessors())));
    if (!Double.isFinite(cpus) || cpus < 0) {
      throw new IllegalArgumentException("--num-cpus must be finite and >= 0, got " + cpus);
    }
    Map<String, Double> resources = new LinkedHashMap<>();
    resources.put("CPU", cpus);
    resources.putAll(ResourceSpec.parse(args.get("resources", "")));
    String gcsAddress = args.required("gcs-address");
    NodeId nodeId = NodeId.random();

    EventLoop loop = new EventLoop("raylet-loop");
    ScheduledExecutorService retry = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "raylet-retry");
      t.setDaemon(true);
      return t;
    });
    GcsClient gcs = new GcsClient(gcsAddress, token);
    NodeContext node = new NodeContext(nodeId, host, gcsAddress, token, session, cpus);
    long storeBytes = Long.parseLong(args.get("object-store-memory",
        Long.toString(JRayConfig.getLong(JRayConfig.OBJECT_STORE_MEMORY))));
    NodeStore nodeStore = new NodeStore(nodeId.hex(), storeBytes,
        Path.of(args.get("object-store-dir", JRayConfig.get(JRayConfig.OBJECT_STORE_DIR))),
        args.has("spill-dir") ? Path.of(args.required("spill-dir")) : NodeStore.spillDirFor(session, nodeId.hex()));
    JobDirectory jobs = new JobDirectory(loop, gcs);
    String codeDir = JRayConfig.get(JRayConfig.JOB_CODE_CACHE_DIR);
    JobCodeCache code = new JobCodeCache(loop, gcs, codeDir.isEmpty() ? session.path().resolve("packages")
        : Path.of(codeDir));
    ClusterView cluster = new ClusterView(nodeId);
    PeerChannels peers = new PeerChannels(token);
    nodeStore.puller = new ObjectPuller(nodeStore.loop, nodeStore.store, peers::get,
        JRayConfig.getLong(JRayConfig.OBJECT_CHUNK_BYTES), JRayConfig.getInt(JRayConfig.OBJECT_PULLS_IN_FLIGHT));
    OrphanCollector orphans = new OrphanCollector(nodeStore.store);
    WorkerDeathReporter deaths = new WorkerDeathReporter(gcs, nodeId,
        w -> nodeStore.loop.execute(() -> orphans.workerDied(w, nodeId)));
    CompletableFuture<LeaseScheduler> sched = new CompletableFuture<>();
    CompletableFuture<NodeManagerRpcService> service = new CompletableFuture<>();
    loop.execute(() -> {
      LeaseScheduler s = new LeaseScheduler(loop, node, cluster, ResourceSet.of(resources),
          self -> new WorkerPool(loop, node, jobs, code, w -> {
            self.workerExited(w);
            nodeStore.loop.execute(() -> nodeStore.store.workerDied(w.id));
            deaths.died(w.id, w.jobId, false, "exited with code " + w.process.exitValue());
          }, self::dispatch, self::jobCodeFailed, WorkerPool::fork));
      DriverWatch drivers = new DriverWatch(loop, gcs, JRayConfig.getLong(JRayConfig.DRIVER_CHECK_MS), s::jobFinished,
          deaths);
      service.complete(new NodeManagerRpcService(loop, node, s, drivers, nodeStore));
      sched.complete(s);
    });
    Server server = Rpc.startServer("0.0.0.0", Integer.parseInt(args.get("port", "0")), token, null,
        service.get(30, TimeUnit.SECONDS),
        new ObjectStoreRpcService(nodeStore.loop, nodeStore.store, nodeStore.puller, cluster::address));
    node.bound(server.getPort());
    LeaseScheduler scheduler = sched.get(30, TimeUnit.SECONDS);

    gcs.blocking().registerNode(RegisterNodeRequest.newBuilder().setNode(NodeInfo.newBuilder()
        .setNodeId(ByteString.copyFrom(nodeId.bytes())).setHost(host).setRayletPort(server.getPort())
        .putAllTotalResources(resources).setSessionDir(session.path().toString())
        .setPid(ProcessHandle.current().pid()).setIsHead(args.has("head"))).build());
    ResourceReporter reporter = new ResourceReporter(node, scheduler, gcs,
        JRayConfig.getLong(JRayConfig.RESOURCE_REPORT_MS));
    loop.every(() -> reporter.tick(loop), 100);
    gcs.subscribe("raylet-" + nodeId, loop, m -> {
      if (m.hasNode()) {
        cluster.node(m.getNode());
        if (m.getNode().getState() == NodeInfo.State.DEAD) {
          NodeId dead = NodeId.fromBytes(m.getNode().getNodeId().toByteArray());
          nodeStore.loop.execute(() -> orphans.nodeDied(dead));
        }
      } else if (m.hasWorkerDeath()) {
        WorkerId w = WorkerId.fromBytes(m.getWorkerDeath().getWorkerId().toByteArray());
        NodeId at = NodeId.fromBytes(m.getWorkerDeath().getNodeId().toByteArray());
        nodeStore.loop.execute(() -> orphans.workerDied(w, at));
        scheduler.ownerDied(w);
      } else if (m.hasResources()) {
        cluster.report(m.getResources());
      } else if (m.hasJob()) {
        JobInfo j = m.getJob();
        boolean known = jobs.get(JobId.fromBytes(j.getJobId().toByteArray())) != null;
        boolean finished = jobs.update(j); // before the prestart: a worker start reads the job from here
        if (!known) {
          scheduler.pool().prestartForNewJob(j);
        }
        if (finished) {
          scheduler.jobFinished(JobId.fromBytes(j.getJobId().toByteArray()));
          code.forget(JobId.fromBytes(j.getJobId().toByteArray()));
        }
      }
    }, retry);
    LOG.info("raylet {} of node {} serving on {}:{} with {} (GCS {}, session {})", name, nodeId, host,
        server.getPort(), resources, gcsAddress, session);

    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("raylet stopping: stopping workers");
      CompletableFuture<Void> done = new CompletableFuture<>();
      loop.execute(() -> {
        scheduler.pool().killAll();
        done.complete(null);
      });
      try {
        done.get(5, TimeUnit.SECONDS);
        gcs.blocking().withDeadlineAfter(2, TimeUnit.SECONDS).unregisterNode(UnregisterNodeRequest.newBuilder()
            .setNodeId(ByteString.copyFrom(nodeId.bytes())).setReason("raylet stopped").build());
      } catch (Exception e) {
        LOG.warn("unclean raylet stop: {}", e.toString());
      }
      server.shutdownNow();
      nodeStore.close();
      gcs.close();
    }, "raylet-shutdown"));
    if (args.has("ready-file")) {
      Map<String, String> ready = new LinkedHashMap<>();
      ready.put("port", Integer.toString(server.getPort()));
      ready.put("node_id", nodeId.hex());
      ready.put("pid", Long.toString(ProcessHandle.current().pid()));
      ready.put("arena", nodeStore.info.getArenaPath());
      ReadyFile.write(Path.of(args.required("ready-file")), ready);
    }
    server.awaitTermination();
  }
}
