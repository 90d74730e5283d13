package io.jray.raylet;

import io.jray.common.proto.ProtoIds;
import static io.jray.common.grpc.LoopCall.answer;
import static io.jray.common.grpc.LoopCall.notFound;
import static io.jray.common.grpc.LoopCall.require;

import com.google.protobuf.ByteString;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.jray.api.JobId;
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
        checkId(req.getJobId(), JobId.SIZE, "job_id");
        require(req.hasOwner() && !req.getOwner().getWorkerId().isEmpty(), "owner.worker_id is empty");
        require(req.getBacklog() >= 0, "backlog must be >= 0, got " + req.getBacklog());
        for (var e : req.getResourcesMap().entrySet()) {
          require(!e.getKey().isBlank(), "a resource name is empty");
          require(Double.isFinite(e.getValue()) && e.getValue() >= 0,
              "resource " + e.getKey() + " must be finite and >= 0, got " + e.getValue());
        }
      } catch (io.grpc.StatusRuntimeException e) {
        s.onError(e);
        return;
      }
      pending.set(scheduler.request(LeaseRequest.of(req), new LeaseStream(s)));
    });
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
      WorkerId id = ProtoIds.workerId(req.getWorkerId());
      if (!scheduler.pool().registered(id, req.getPort(), req.getPid())) {
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
      ByteString worker = req.getAddress().getWorkerId();
      require(worker.isEmpty() || worker.size() == WorkerId.SIZE, "address.worker_id must be " + WorkerId.SIZE
          + " bytes, got " + worker.size());
      JobId job = ProtoIds.jobId(req.getJobId());
      drivers.add(req.getPid(), job, worker.isEmpty() ? null : ProtoIds.workerId(worker), req.getAddress().getPort());
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
      StoreStats local = store.store.stats();
      StoreStats storeStats = store.puller == null ? local : local.toBuilder()
          .setPullCount(store.puller.pullCount()).setPulledBytes(store.puller.pulledBytes()).build();
      answer(loop, reply, () -> stats(storeStats));
    });
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
          .setJobId(ProtoIds.bytes(w.jobId)).setState(state).setPort(w.port));
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
