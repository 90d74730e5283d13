package io.jray.gcs;

import io.jray.common.proto.ProtoIds;
import static io.jray.common.grpc.LoopCall.answer;
import static io.jray.common.grpc.LoopCall.notFound;
import static io.jray.common.grpc.LoopCall.require;

import com.google.protobuf.ByteString;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.jray.api.ActorId;
import io.jray.api.JobId;
import io.jray.api.NodeId;
import io.jray.api.WorkerId;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.gcs.NodeDeclaredDead;
import io.jray.common.grpc.LoopCall;
import io.jray.proto.*;
import java.util.ArrayList;
import java.util.List;

/**
 * The GCS gRPC service: checks every request, then applies it on the GCS loop. A rejected request
 * changes nothing; an accepted change is in RocksDB before its reply is sent.
 *
 * <p>Threads: handlers run on netty threads and only validate and hop onto {@code gcs-loop}, which
 * owns every table; package calls run on the netty threads ({@link PackageStore} says why).
 */
final class GcsRpcService extends GcsServiceGrpc.GcsServiceImplBase {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GcsRpcService.class);
  private final EventLoop loop;
  private final NodeTable nodes;
  private final JobTable jobs;
  private final InternalKv kv;
  private final WorkerDeathTable deaths;
  private final Publisher publisher;
  private final HealthChecker health;
  private final ResourceView resources;
  private final PackageStore packages;
  private final ActorManager actors;
  private final Incarnation incarnation;
  /** How long after a restart new subscribers are sent the deaths stored since it (they may have missed them). */
  private final long deathReplayMs;
  /** GCS's HTTP server's port, set once it listens (0: none), for {@code jray status}. */
  private volatile int httpPort;

  /** Most deaths one GetWorkerDeaths returns, and how many when the request names no limit. */
  static final int MAX_DEATHS_PER_CALL = 10_000;
  static final int DEFAULT_DEATHS_PER_CALL = 1_000;

  GcsRpcService(EventLoop loop, NodeTable nodes, JobTable jobs, InternalKv kv, WorkerDeathTable deaths,
      Publisher publisher, HealthChecker health, ResourceView resources, PackageStore packages, ActorManager actors,
      Incarnation incarnation, long deathReplayMs) {
    this.actors = actors;
    this.incarnation = incarnation;
    this.deathReplayMs = deathReplayMs;
    this.deaths = deaths;
    this.resources = resources;
    this.packages = packages;
    this.loop = loop;
    this.nodes = nodes;
    this.jobs = jobs;
    this.kv = kv;
    this.publisher = publisher;
    this.health = health;
  }

  private static void checkNodeId(ByteString id) {
    require(!id.isEmpty(), "node_id is empty");
    require(id.size() == NodeId.SIZE, "node_id must be " + NodeId.SIZE + " bytes, got " + id.size());
  }

  private static void checkJobId(ByteString id) {
    require(!id.isEmpty(), "job_id is empty");
    require(id.size() == JobId.SIZE, "job_id must be " + JobId.SIZE + " bytes, got " + id.size());
  }

  @Override
  public void registerNode(RegisterNodeRequest req, StreamObserver<RegisterNodeReply> reply) {
    answer(loop, reply, () -> {
      require(req.hasNode(), "node is missing");
      NodeInfo n = req.getNode();
      checkNodeId(n.getNodeId());
      require(!n.getHost().isBlank(), "host is empty");
      require(n.getRayletPort() > 0 && n.getRayletPort() < 65536, "raylet_port must be 1..65535");
      require(n.getMetricsPort() >= 0 && n.getMetricsPort() < 65536, "metrics_port must be 0..65535");
      checkAmounts("total_resources", n.getTotalResourcesMap());
      NodeInfo old = nodes.get(n.getNodeId());
      if (old != null && old.getState() == NodeInfo.State.DEAD) {
        throw NodeDeclaredDead.refusal(old); // fenced: it must not come back under the same id
      }
      nodes.register(n);
      return RegisterNodeReply.getDefaultInstance();
    });
  }

  @Override
  public void unregisterNode(UnregisterNodeRequest req, StreamObserver<UnregisterNodeReply> reply) {
    answer(loop, reply, () -> {
      checkNodeId(req.getNodeId());
      if (nodes.get(req.getNodeId()) == null) {
        throw notFound("unknown node " + NodeTable.hex(req.getNodeId()));
      }
      health.forget(req.getNodeId());
      nodes.markDead(req.getNodeId(), req.getReason().isBlank() ? "stopped" : req.getReason());
      return UnregisterNodeReply.getDefaultInstance();
    });
  }

  @Override
  public void getAllNodes(GetAllNodesRequest req, StreamObserver<GetAllNodesReply> reply) {
    answer(loop, reply, () -> GetAllNodesReply.newBuilder().addAllNodes(nodes.all()).build());
  }

  @Override
  public void addJob(AddJobRequest req, StreamObserver<AddJobReply> reply) {
    answer(loop, reply, () -> {
      require(req.hasJob(), "job is missing");
      require(req.getJob().getDriverPid() > 0, "driver_pid must be > 0");
      require(!req.getJob().getDriverHost().isBlank(), "driver_host is empty");
      for (JobPackage p : req.getJob().getPackagesList()) {
        require(PackageStore.isSha256(p.getSha256()), "package " + p.getName() + ": sha256 must be 64 lower-case hex"
            + " digits, got '" + p.getSha256() + "'");
        require(packages.has(p.getSha256()), "package " + p.getName() + " (" + p.getSha256() + ") is not in GCS:"
            + " upload it before adding the job");
      }
      JobInfo j = jobs.add(req.getJob());
      return AddJobReply.newBuilder().setJobId(j.getJobId()).build();
    });
  }

  @Override
  public void markJobFinished(MarkJobFinishedRequest req, StreamObserver<MarkJobFinishedReply> reply) {
    answer(loop, reply, () -> {
      checkJobId(req.getJobId());
      if (jobs.get(req.getJobId()) == null) {
        throw notFound("unknown job " + ProtoIds.jobId(req.getJobId()));
      }
      if (jobs.finish(req.getJobId(), req.getReason().isBlank() ? "driver finished" : req.getReason())) {
        actors.jobFinished(req.getJobId());
      }
      return MarkJobFinishedReply.getDefaultInstance();
    });
  }

  @Override
  public void getJob(GetJobRequest req, StreamObserver<GetJobReply> reply) {
    answer(loop, reply, () -> {
      checkJobId(req.getJobId());
      JobInfo j = jobs.get(req.getJobId());
      if (j == null) {
        throw notFound("unknown job " + ProtoIds.jobId(req.getJobId()));
      }
      return GetJobReply.newBuilder().setJob(j).build();
    });
  }

  @Override
  public void getAllJobs(GetAllJobsRequest req, StreamObserver<GetAllJobsReply> reply) {
    answer(loop, reply, () -> GetAllJobsReply.newBuilder().addAllJobs(jobs.all()).build());
  }

  @Override
  public void kvPut(KvPutRequest req, StreamObserver<KvPutReply> reply) {
    answer(loop, reply, () -> {
      require(!req.getKey().isBlank(), "key is empty");
      return KvPutReply.newBuilder().setAdded(kv.put(req.getKey(), req.getValue(), req.getOverwrite())).build();
    });
  }

  @Override
  public void kvGet(KvGetRequest req, StreamObserver<KvGetReply> reply) {
    answer(loop, reply, () -> {
      require(!req.getKey().isBlank(), "key is empty");
      ByteString v = kv.get(req.getKey());
      return v == null ? KvGetReply.newBuilder().setFound(false).build()
          : KvGetReply.newBuilder().setFound(true).setValue(v).build();
    });
  }

  @Override
  public void kvDel(KvDelRequest req, StreamObserver<KvDelReply> reply) {
    answer(loop, reply, () -> {
      require(!req.getKey().isBlank(), "key is empty");
      return KvDelReply.newBuilder().setDeleted(kv.delete(req.getKey())).build();
    });
  }

  @Override
  public void reportResources(ResourceReport req, StreamObserver<ReportResourcesReply> reply) {
    answer(loop, reply, () -> {
      checkNodeId(req.getNodeId());
      // every amount is checked: reports are forwarded to every raylet's scheduler as they are
      checkAmounts("total", req.getTotalMap());
      for (var e : req.getAvailableMap().entrySet()) {
        require(!e.getKey().isBlank() && Double.isFinite(e.getValue()), "available " + e.getKey() + " must be finite");
      }
      for (int i = 0; i < req.getDemandCount(); i++) {
        ResourceDemand d = req.getDemand(i);
        require(d.getCount() >= 0, "demand[" + i + "].count must be >= 0, got " + d.getCount());
        checkAmounts("demand[" + i + "].shape", d.getShapeMap());
      }
      NodeInfo n = nodes.get(req.getNodeId());
      if (n == null) {
        throw notFound("unknown node " + NodeTable.hex(req.getNodeId()) + ": register it first");
      }
      if (n.getState() == NodeInfo.State.DEAD) {
        throw NodeDeclaredDead.refusal(n); // a node that was cut off and is back: it must exit
      }
      resources.report(req);
      return ReportResourcesReply.getDefaultInstance();
    });
  }

  private static void checkAmounts(String what, java.util.Map<String, Double> amounts) {
    for (var e : amounts.entrySet()) {
      require(!e.getKey().isBlank() && Double.isFinite(e.getValue()) && e.getValue() >= 0,
          what + ": resource '" + e.getKey() + "' must have a name and a finite amount >= 0, got " + e.getValue());
    }
  }

  @Override
  public void findMissingPackages(FindMissingPackagesRequest req, StreamObserver<FindMissingPackagesReply> reply) {
    LoopCall.answerHere(reply, () -> {
      FindMissingPackagesReply.Builder b = FindMissingPackagesReply.newBuilder();
      for (String sha : req.getSha256List()) {
        require(PackageStore.isSha256(sha), "sha256 must be 64 lower-case hex digits, got '" + sha + "'");
        if (!packages.has(sha)) {
          b.addMissing(sha);
        }
      }
      return b.build();
    });
  }

  @Override
  public StreamObserver<PackageChunk> uploadPackage(StreamObserver<UploadPackageReply> reply) {
    return packages.upload(reply);
  }

  @Override
  public void getPackageChunk(GetPackageChunkRequest req, StreamObserver<GetPackageChunkReply> reply) {
    LoopCall.answerHere(reply, () -> {
      require(PackageStore.isSha256(req.getSha256()), "sha256 must be 64 lower-case hex digits, got '"
          + req.getSha256() + "'");
      return packages.chunk(req.getSha256(), req.getIndex());
    });
  }

  /**
   * Stores a worker's or driver's death, then publishes it: stored first, so that once the raylet
   * has its reply a GCS restart cannot lose the death (issue 13 replays what subscribers missed).
   */
  @Override
  public void reportWorkerDeath(WorkerDeath req, StreamObserver<ReportWorkerDeathReply> reply) {
    answer(loop, reply, () -> {
      require(req.getWorkerId().size() == WorkerId.SIZE, "worker_id must be " + WorkerId.SIZE + " bytes, got "
          + req.getWorkerId().size());
      checkNodeId(req.getNodeId());
      checkJobId(req.getJobId());
      if (nodes.get(req.getNodeId()) == null) {
        throw notFound("unknown node " + NodeTable.hex(req.getNodeId()) + ": only a registered raylet reports deaths");
      }
      WorkerDeath d = req.toBuilder().setTimeMs(System.currentTimeMillis())
          .setReason(req.getReason().isBlank() ? "exited" : req.getReason()).build();
      LOG.info("{} {} of job {} on node {} died: {}", d.getIsDriver() ? "driver" : "worker",
          ProtoIds.workerId(d.getWorkerId()), ProtoIds.jobId(d.getJobId()),
          NodeTable.hex(d.getNodeId()), d.getReason());
      deaths.add(d);
      publisher.publish(PubMessage.newBuilder().setWorkerDeath(d).build());
      actors.workerDied(d.getWorkerId(), d.getReason());
      return ReportWorkerDeathReply.getDefaultInstance();
    });
  }

  @Override
  public void getWorkerDeaths(GetWorkerDeathsRequest req, StreamObserver<GetWorkerDeathsReply> reply) {
    answer(loop, reply, () -> {
      if (!req.getJobId().isEmpty()) {
        checkJobId(req.getJobId());
      }
      if (!req.getNodeId().isEmpty()) {
        checkNodeId(req.getNodeId());
      }
      require(req.getLimit() >= 0 && req.getLimit() <= MAX_DEATHS_PER_CALL, "limit must be 0 (meaning "
          + DEFAULT_DEATHS_PER_CALL + ") to " + MAX_DEATHS_PER_CALL + ", got " + req.getLimit());
      int limit = req.getLimit() == 0 ? DEFAULT_DEATHS_PER_CALL : req.getLimit();
      return GetWorkerDeathsReply.newBuilder().addAllDeaths(deaths.recent(req.getJobId(), req.getNodeId(), limit))
          .build();
    });
  }

  @Override
  public void subscribe(SubscribeRequest req, StreamObserver<PubMessage> out) {
    ServerCallStreamObserver<PubMessage> s = (ServerCallStreamObserver<PubMessage>) out;
    java.util.Set<SubscribeRequest.Channel> channels;
    try {
      channels = Publisher.channels(req.getChannelsList());
    } catch (IllegalArgumentException e) {
      out.onError(io.grpc.Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    s.setOnCancelHandler(() -> loop.execute(() -> publisher.remove(s)));
    loop.execute(() -> {
      List<PubMessage> snapshot = new ArrayList<>();
      snapshot.add(PubMessage.newBuilder().setGcs(incarnation.info()).build());
      nodes.all().forEach(n -> snapshot.add(PubMessage.newBuilder().setNode(n).build()));
      jobs.all().forEach(j -> snapshot.add(PubMessage.newBuilder().setJob(j).build()));
      resources.all().forEach(r -> snapshot.add(PubMessage.newBuilder().setResources(r).build()));
      if (incarnation.startedWithin(deathReplayMs)) {
        // deaths reported since the restart were published while this subscriber was reconnecting
        deaths.since(incarnation.startTimeMs()).forEach(d -> snapshot.add(PubMessage.newBuilder().setWorkerDeath(d)
            .build()));
      }
      publisher.add(s, channels, snapshot);
    });
  }

  void httpPort(int port) {
    httpPort = port;
  }

  // ---- restart protocol ----

  @Override
  public void getGcsInfo(GetGcsInfoRequest req, StreamObserver<GcsInfo> reply) {
    answer(loop, reply, () -> incarnation.info().toBuilder().setHttpPort(httpPort).build());
  }

  @Override
  public void resyncNode(ResyncNodeRequest req, StreamObserver<ResyncNodeReply> reply) {
    answer(loop, reply, () -> {
      checkNodeId(req.getNodeId());
      require(req.getGcsIncarnation() > 0, "gcs_incarnation must be > 0, got " + req.getGcsIncarnation());
      java.util.Set<ByteString> live = new java.util.HashSet<>();
      for (ByteString w : req.getLiveWorkerIdsList()) {
        require(w.size() == WorkerId.SIZE, "live_worker_ids must be " + WorkerId.SIZE + " bytes each, got " + w.size());
        live.add(w);
      }
      NodeInfo n = nodes.get(req.getNodeId());
      if (n == null) {
        throw notFound("unknown node " + NodeTable.hex(req.getNodeId()) + ": register it instead");
      }
      if (n.getState() != NodeInfo.State.ALIVE) {
        throw io.grpc.Status.FAILED_PRECONDITION.withDescription("node " + NodeTable.hex(req.getNodeId())
            + " was marked DEAD (" + n.getDeathReason() + "); a restarted raylet needs a new node id").asRuntimeException();
      }
      actors.nodeResynced(req.getNodeId(), live);
      incarnation.resynced(n);
      return ResyncNodeReply.getDefaultInstance();
    });
  }

  // ---- actors -------------------------------------------------------------------------------

  private static void checkActorId(ByteString id) {
    require(id.size() == ActorId.SIZE, "actor_id must be " + ActorId.SIZE + " bytes, got " + id.size());
  }

  /** Everything a registration or creation must carry; a bad one changes nothing. */
  private static void checkActor(ActorInfo a, boolean withCreation) {
    checkActorId(a.getActorId());
    checkJobId(a.getJobId());
    require(!a.getClassName().isBlank(), "class_name is empty");
    require(a.getName().isEmpty() || !a.getName().isBlank(), "name must not be blank");
    require(a.getName().length() <= 256, "name must be at most 256 characters");
    require(a.getMaxRestarts() >= -1, "max_restarts must be >= -1, got " + a.getMaxRestarts());
    require(a.getMaxTaskRetries() >= -1, "max_task_retries must be >= -1, got " + a.getMaxTaskRetries());
    require(a.getMaxConcurrency() >= 1, "max_concurrency must be >= 1, got " + a.getMaxConcurrency());
    require(a.getMaxPendingCalls() >= 1, "max_pending_calls must be >= 1, got " + a.getMaxPendingCalls());
    checkAmounts("resources", a.getResourcesMap());
    checkAmounts("placement_resources", a.getPlacementResourcesMap());
    require(a.hasOwner() && (a.getDetached() || a.getOwner().getWorkerId().size() == WorkerId.SIZE),
        "owner.worker_id must be " + WorkerId.SIZE + " bytes for a non-detached actor");
    if (withCreation) {
      require(a.hasCreation() && a.getCreation().getActorCreation(), "creation is missing or not an actor creation");
      require(a.getCreation().getActorId().equals(a.getActorId()), "creation.actor_id differs from actor_id");
      require(!a.getCreation().getFunction().getClassName().isBlank(), "creation.function names no class");
    }
  }

  @Override
  public void registerActor(RegisterActorRequest req, StreamObserver<RegisterActorReply> reply) {
    answer(loop, reply, () -> {
      checkActor(req.getActor(), false);
      try {
        actors.register(req.getActor());
      } catch (IllegalArgumentException e) {
        throw io.grpc.Status.ALREADY_EXISTS.withDescription(e.getMessage()).asRuntimeException();
      }
      return RegisterActorReply.getDefaultInstance();
    });
  }

  @Override
  public void createActor(CreateActorGcsRequest req, StreamObserver<CreateActorGcsReply> reply) {
    answer(loop, reply, () -> {
      checkActor(req.getActor(), true);
      try {
        actors.create(req.getActor());
      } catch (IllegalArgumentException e) {
        throw io.grpc.Status.ALREADY_EXISTS.withDescription(e.getMessage()).asRuntimeException();
      }
      return CreateActorGcsReply.getDefaultInstance();
    });
  }

  @Override
  public void killActor(KillActorRequest req, StreamObserver<KillActorReply> reply) {
    answer(loop, reply, () -> {
      checkActorId(req.getActorId());
      if (!actors.kill(req.getActorId(), req.getNoRestart(), req.getReason(), req.getOutOfScope(),
          req.getExitingItself())) {
        throw notFound("unknown actor " + ActorManager.hex(req.getActorId()));
      }
      return KillActorReply.getDefaultInstance();
    });
  }

  @Override
  public void getActor(GetActorRequest req, StreamObserver<GetActorReply> reply) {
    loop.execute(() -> {
      try {
        checkActorId(req.getActorId());
        require(req.getTimeoutMs() >= 0, "timeout_ms must be >= 0");
      } catch (io.grpc.StatusRuntimeException e) {
        reply.onError(e);
        return;
      }
      if (!req.getWaitForChange()) {
        ActorInfo a = actors.table().get(req.getActorId());
        reply.onNext(a == null ? GetActorReply.newBuilder().setFound(false).build()
            : GetActorReply.newBuilder().setFound(true).setActor(a).build());
        reply.onCompleted();
        return;
      }
      long timeout = Math.min(Math.max(req.getTimeoutMs(), 1), 60_000);
      actors.table().await(req.getActorId(), req.getKnownState(), req.getKnownRestarts(), reply,
          r -> loop.schedule(r, timeout));
    });
  }

  @Override
  public void getNamedActor(GetNamedActorRequest req, StreamObserver<GetNamedActorReply> reply) {
    answer(loop, reply, () -> {
      require(!req.getName().isBlank(), "name is empty");
      ActorInfo a = actors.table().named(req.getName());
      return a == null ? GetNamedActorReply.newBuilder().setFound(false).build()
          : GetNamedActorReply.newBuilder().setFound(true).setActor(a).build();
    });
  }

  @Override
  public void getAllActors(GetAllActorsRequest req, StreamObserver<GetAllActorsReply> reply) {
    answer(loop, reply, () -> {
      if (!req.getJobId().isEmpty()) {
        checkJobId(req.getJobId());
      }
      GetAllActorsReply.Builder b = GetAllActorsReply.newBuilder();
      for (ActorInfo a : actors.table().all()) {
        if (req.getJobId().isEmpty() || a.getJobId().equals(req.getJobId())) {
          // the constructor call is GCS's own business, and can be large
          b.addActors(a.toBuilder().clearCreation());
        }
      }
      return b.build();
    });
  }
}
