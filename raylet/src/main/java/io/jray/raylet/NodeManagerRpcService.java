package io.jray.raylet;

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
import io.jray.proto.*;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The raylet's gRPC service: checks each request, then applies it on the raylet loop.
 *
 * <p>Threads: handlers run on netty threads and own nothing; every read or change of raylet state
 * hops onto {@code raylet-loop}, the owner of the scheduler and the pool. {@code HealthCheck} is the
 * one answered in place. A lease call's answers go back through a {@link LeaseStream}.
 */
final class NodeManagerRpcService extends NodeManagerServiceGrpc.NodeManagerServiceImplBase {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NodeManagerRpcService.class);
  private final EventLoop loop;
  private final NodeContext node;
  private final LeaseScheduler scheduler;
  private final DriverWatch drivers;
  private final NodeStore store;

  NodeManagerRpcService(EventLoop loop, NodeContext node, LeaseScheduler scheduler, DriverWatch drivers,
      NodeStore store) {
    this.store = store;
    this.loop = loop;
    this.node = node;
    this.scheduler = scheduler;
    this.drivers = drivers;
  }

  private static void checkId(ByteString id, int size, String what) {
    require(!id.isEmpty(), what + " is empty");
    require(id.size() == size, what + " must be " + size + " bytes, got " + id.size());
  }

  @Override
  public void requestWorkerLease(RequestWorkerLeaseRequest req, StreamObserver<LeaseUpdate> out) {
    ServerCallStreamObserver<LeaseUpdate> s = (ServerCallStreamObserver<LeaseUpdate>) out;
    AtomicReference<LeaseScheduler.Pending> pending = new AtomicReference<>();
    s.setOnCancelHandler(() -> loop.execute(() -> {
      LeaseScheduler.Pending p = pending.get();
      if (p != null) {
        scheduler.cancel(p);
      }
    }));
    loop.execute(() -> {
      try {
        checkLease(req);
      } catch (io.grpc.StatusRuntimeException e) {
        s.onError(e);
        return;
      }
      try {
        pending.set(scheduler.request(LeaseRequest.of(req), new LeaseStream(s)));
      } catch (RuntimeException e) {
        // never leave the caller waiting on a stream nobody will write to
        LOG.error("lease request of job {} failed", ProtoIds.jobId(req.getJobId()), e);
        s.onError(io.grpc.Status.INTERNAL.withDescription("the raylet failed on this lease request: " + e)
            .asRuntimeException());
      }
    });
  }

  /** Resource amounts past this are no machine's; above it fixed-point sums could overflow. */
  static final double MAX_AMOUNT = 1e12;

  /** Every field the scheduler reads, checked before it sees the request. */
  private static void checkLease(RequestWorkerLeaseRequest req) {
    checkId(req.getJobId(), JobId.SIZE, "job_id");
    require(req.hasOwner() && !req.getOwner().getWorkerId().isEmpty(), "owner.worker_id is empty");
    require(req.getOwner().getWorkerId().size() == WorkerId.SIZE, "owner.worker_id must be " + WorkerId.SIZE
        + " bytes, got " + req.getOwner().getWorkerId().size());
    require(req.getBacklog() >= 0, "backlog must be >= 0, got " + req.getBacklog());
    checkAmounts("resource", req.getResourcesMap());
    checkAmounts("placement resource", req.getPlacementResourcesMap());
    require(req.getActorId().isEmpty() || req.getActorId().size() == ActorId.SIZE, "actor_id must be empty or "
        + ActorId.SIZE + " bytes, got " + req.getActorId().size());
    SchedulingStrategySpec st = req.getStrategy();
    require(st.getKind() != SchedulingStrategySpec.Kind.UNRECOGNIZED, "strategy.kind " + st.getKindValue()
        + " is not DEFAULT, SPREAD or NODE_AFFINITY");
    if (st.getKind() == SchedulingStrategySpec.Kind.NODE_AFFINITY) {
      checkId(st.getNodeId(), NodeId.SIZE, "strategy.node_id");
    }
  }

  private static void checkAmounts(String what, java.util.Map<String, Double> amounts) {
    for (var e : amounts.entrySet()) {
      require(!e.getKey().isBlank(), "a " + what + " name is empty");
      require(Double.isFinite(e.getValue()) && e.getValue() >= 0 && e.getValue() <= MAX_AMOUNT,
          what + " " + e.getKey() + " must be finite and 0.." + MAX_AMOUNT + ", got " + e.getValue());
    }
  }

  @Override
  public void returnWorker(ReturnWorkerRequest req, StreamObserver<ReturnWorkerReply> reply) {
    answer(loop, reply, () -> {
      require(!req.getLeaseId().isEmpty(), "lease_id is empty");
      if (!scheduler.returnWorker(req.getLeaseId(), req.getWorkerFailed())) {
        throw notFound("no active lease with this id on node " + node.nodeId() + " (returned twice, or the worker died)");
      }
      return ReturnWorkerReply.getDefaultInstance();
    });
  }

  @Override
  public void registerWorker(RegisterWorkerRequest req, StreamObserver<RegisterWorkerReply> reply) {
    answer(loop, reply, () -> {
      checkId(req.getWorkerId(), WorkerId.SIZE, "worker_id");
      require(req.getPort() > 0 && req.getPort() < 65536, "port must be 1..65535");
      require(req.getMetricsPort() >= 0 && req.getMetricsPort() < 65536, "metrics_port must be 0..65535");
      WorkerId id = ProtoIds.workerId(req.getWorkerId());
      if (!scheduler.pool().registered(id, req.getPort(), req.getPid(), req.getMetricsPort())) {
        throw notFound("worker " + id + " (pid " + req.getPid() + ") was not started by this raylet or registered already");
      }
      scheduler.dispatch();
      return RegisterWorkerReply.newBuilder().setNodeId(ProtoIds.bytes(node.nodeId()))
          .setStore(store.info).build();
    });
  }

  @Override
  public void registerDriver(RegisterDriverRequest req, StreamObserver<RegisterDriverReply> reply) {
    answer(loop, reply, () -> {
      checkId(req.getJobId(), JobId.SIZE, "job_id");
      require(req.getPid() > 0, "pid must be > 0");
      // a driver registers with the raylet of its own machine: a pid that is no process here would
      // only start workers for nobody, and end the job at the next driver check
      require(ProcessHandle.of(req.getPid()).isPresent(), "pid " + req.getPid() + " is not a live process on node "
          + node.nodeId() + ": a driver registers with the raylet of its own machine");
      ByteString worker = req.getAddress().getWorkerId();
      require(worker.isEmpty() || worker.size() == WorkerId.SIZE, "address.worker_id must be " + WorkerId.SIZE
          + " bytes, got " + worker.size());
      require(req.getMetricsPort() >= 0 && req.getMetricsPort() < 65536, "metrics_port must be 0..65535");
      JobId job = ProtoIds.jobId(req.getJobId());
      drivers.add(req.getPid(), job, worker.isEmpty() ? null : ProtoIds.workerId(worker), req.getAddress().getPort(),
          req.getMetricsPort());
      scheduler.pool().prestartForDriver(job);
      return RegisterDriverReply.newBuilder().setNodeId(ProtoIds.bytes(node.nodeId()))
          .setStore(store.info).build();
    });
  }

  @Override
  public void notifyBlocked(NotifyBlockedRequest req, StreamObserver<NotifyBlockedReply> reply) {
    answer(loop, reply, () -> {
      checkId(req.getWorkerId(), WorkerId.SIZE, "worker_id");
      scheduler.blocked(ProtoIds.workerId(req.getWorkerId()), req.getBlocked());
      return NotifyBlockedReply.getDefaultInstance();
    });
  }

  @Override
  public void getNodeStats(GetNodeStatsRequest req, StreamObserver<GetNodeStatsReply> reply) {
    store.loop.execute(() -> {
      StoreStats storeStats = storeStats();
      answer(loop, reply, () -> stats(storeStats));
    });
  }

  /** The node's stats as GetNodeStats answers them, read on the store's loop and then the raylet's (metrics). */
  java.util.concurrent.CompletableFuture<GetNodeStatsReply> snapshot() {
    return java.util.concurrent.CompletableFuture.supplyAsync(this::storeStats, store.loop)
        .thenApplyAsync(this::stats, loop);
  }

  private StoreStats storeStats() {
    StoreStats local = store.store.stats();
    return store.puller == null ? local : local.toBuilder()
        .setPullCount(store.puller.pullCount()).setPulledBytes(store.puller.pulledBytes()).build();
  }

  private GetNodeStatsReply stats(StoreStats storeStats) {
    GetNodeStatsReply.Builder b = GetNodeStatsReply.newBuilder()
        .setNodeId(ProtoIds.bytes(node.nodeId()))
        .putAllTotalResources(scheduler.total().toMap())
        .putAllAvailableResources(scheduler.available().toMap())
        .addAllDemand(scheduler.demand())
        .setLeasesGranted(scheduler.grantedCount())
        .setWorkersStarted(scheduler.pool().startedCount())
        .setStore(storeStats);
    for (WorkerProcess w : scheduler.pool().all()) {
      String state = w.lease != null && w.lease.cpuReleased ? "BLOCKED" : w.state.name();
      b.addWorkers(WorkerStats.newBuilder().setWorkerId(ProtoIds.bytes(w.id)).setPid(w.pid())
          .setJobId(ProtoIds.bytes(w.jobId)).setState(state).setPort(w.port).setMetricsPort(w.metricsPort));
    }
    b.addAllWorkers(drivers.stats()); // state DRIVER: the state API lists and asks them too
    return b.build();
  }

  @Override
  public void healthCheck(HealthCheckRequest req, StreamObserver<HealthCheckReply> reply) {
    // Answered on the netty thread on purpose: a busy loop must not look like a dead node.
    reply.onNext(HealthCheckReply.newBuilder().setNodeId(ProtoIds.bytes(node.nodeId())).build());
    reply.onCompleted();
  }
}
