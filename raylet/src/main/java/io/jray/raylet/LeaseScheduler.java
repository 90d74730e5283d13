package io.jray.raylet;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.jray.api.JobId;
import io.jray.api.WorkerId;
import io.jray.proto.Address;
import io.jray.proto.LeaseGrant;
import io.jray.proto.LeaseNotice;
import io.jray.proto.LeaseUpdate;
import io.jray.proto.RequestWorkerLeaseRequest;
import io.jray.proto.ResourceDemand;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Grants worker leases by resources (DESIGN §4 step 2, local half). Requests queue FIFO per
 * scheduling class (resource shape + function); classes are served round-robin so none starves.
 * A request that needs more than the node has at all is infeasible: its owner is told, the raylet
 * logs it, and it stays queued. State of the raylet loop.
 */
final class LeaseScheduler {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseScheduler.class);

  /** A lease request waiting for resources or a worker. */
  static final class Pending {
    final RequestWorkerLeaseRequest request;
    final ResourceSet resources;
    final JobId job;
    final ServerCallStreamObserver<LeaseUpdate> out;
    boolean cancelled;
    boolean infeasibleNoticed;

    Pending(RequestWorkerLeaseRequest request, ResourceSet resources, ServerCallStreamObserver<LeaseUpdate> out) {
      this.request = request;
      this.resources = resources;
      this.job = JobId.fromBytes(request.getJobId().toByteArray());
      this.out = out;
    }
  }

  /**
   * Requests that one worker could serve in turn. The job is part of it because workers belong to
   * a job: with one queue for two jobs, a request waiting for its job's worker to start would hold
   * up the other job's requests while that job's idle workers sit there.
   */
  private record SchedulingClass(JobId job, ResourceSet resources, ByteString function) {}

  private final NodeContext node;
  private final ClusterView cluster;
  private final SchedulingPolicy policy = new SchedulingPolicy(
      io.jray.common.config.JRayConfig.getDouble(io.jray.common.config.JRayConfig.SCHEDULER_SPREAD_THRESHOLD));
  private final ResourceSet total;
  private final ResourceSet available;
  private final WorkerPool pool;
  private final Map<SchedulingClass, ArrayDeque<Pending>> queues = new LinkedHashMap<>();
  private final Map<ByteString, Lease> leases = new HashMap<>();
  private int rotate;
  private long granted;

  LeaseScheduler(NodeContext node, ClusterView cluster, ResourceSet total,
      java.util.function.Function<LeaseScheduler, WorkerPool> pool) {
    this.node = node;
    this.cluster = cluster;
    this.total = total;
    this.available = total.copy();
    this.pool = pool.apply(this);
  }

  WorkerPool pool() {
    return pool;
  }

  /** Queues a request here, or answers it at once (spillback, rejection); returns the queued entry or null. */
  Pending request(RequestWorkerLeaseRequest req, ServerCallStreamObserver<LeaseUpdate> out) {
    Pending p = new Pending(req, ResourceSet.of(req.getResourcesMap()), out);
    if (req.getGrantOrReject()) {
      if (!p.resources.fitsIn(total)) {
        out.onNext(LeaseUpdate.newBuilder().setRejected("node " + node.nodeId() + " has " + total + ", less than "
            + p.resources).build());
        out.onCompleted();
        return null;
      }
    } else {
      SchedulingPolicy.Decision d = policy.decide(p.resources, req.getStrategy(), node.nodeId(), view());
      if (d instanceof SchedulingPolicy.Spill s) {
        spillback(p, s.node());
        return null;
      }
      if (d instanceof SchedulingPolicy.Unschedulable u) {
        LOG.warn("lease request of job {} cannot be scheduled: {}", p.job, u.why());
        out.onError(Status.FAILED_PRECONDITION.withDescription(u.why()).asRuntimeException());
        return null;
      }
    }
    SchedulingClass cls = new SchedulingClass(p.job, p.resources, req.getFunction().toByteString());
    queues.computeIfAbsent(cls, k -> new ArrayDeque<>()).add(p);
    dispatch();
    return p;
  }

  private java.util.Map<io.jray.api.NodeId, NodeView> view() {
    return cluster.snapshot(node.host(), node.port(), total, available);
  }

  private void spillback(Pending p, NodeView to) {
    p.cancelled = true;
    cluster.reserve(to.id(), p.resources);
    try {
      p.out.onNext(LeaseUpdate.newBuilder().setSpillback(Address.newBuilder().setHost(to.host()).setPort(to.port())
          .setNodeId(com.google.protobuf.ByteString.copyFrom(to.id().bytes()))).build());
      p.out.onCompleted();
    } catch (RuntimeException e) {
      LOG.debug("spillback not delivered: {}", e.toString());
    }
  }

  /**
   * Sends queued requests that cannot run here now to nodes that can (as the cluster view sees
   * them), so work spreads once this node is busy and infeasible work goes to a node that joined.
   * Requests that came here by spillback stay: they were sent here on purpose.
   */
  void rebalance() {
    java.util.Map<io.jray.api.NodeId, NodeView> view = null;
    for (ArrayDeque<Pending> q : queues.values()) {
      for (Pending p : q) {
        if (p.cancelled || p.out.isCancelled() || p.request.getGrantOrReject() || p.resources.fitsIn(available)) {
          continue;
        }
        if (view == null) {
          view = view();
        }
        SchedulingPolicy.Decision d = policy.decide(p.resources, p.request.getStrategy(), node.nodeId(), view);
        if (d instanceof SchedulingPolicy.Spill s) {
          spillback(p, s.node());
          view = null; // the target now counts this request: look again for the next one
        } else if (d instanceof SchedulingPolicy.Unschedulable u) {
          p.cancelled = true;
          p.out.onError(Status.FAILED_PRECONDITION.withDescription(u.why()).asRuntimeException());
        }
      }
    }
  }

  /** Hands out every lease that fits now. Called after every change of resources or workers. */
  void dispatch() {
    ResourceSet forStarting = available.copy();
    Map<JobId, Integer> needWorkers = new HashMap<>();
    List<SchedulingClass> classes = new ArrayList<>(queues.keySet());
    int n = classes.size();
    boolean progress = true;
    while (progress) {
      progress = false;
      for (int i = 0; i < n; i++) {
        SchedulingClass cls = classes.get((rotate + i) % n);
        ArrayDeque<Pending> q = queues.get(cls);
        if (q == null) {
          continue;
        }
        Pending p = q.peek();
        while (p != null && (p.cancelled || p.out.isCancelled())) {
          q.poll();
          p = q.peek();
        }
        if (p == null) {
          queues.remove(cls);
          continue;
        }
        if (!p.resources.fitsIn(total)) {
          for (Pending each : q) {
            noticeInfeasible(each);
          }
          continue;
        }
        if (!p.resources.fitsIn(available)) {
          continue;
        }
        WorkerProcess w = pool.popIdle(p.job);
        if (w == null) {
          continue;
        }
        q.poll();
        grant(p, w);
        progress = true;
      }
      rotate++;
    }
    // Workers to start: one per request that could run if it had a worker, minus those starting.
    for (ArrayDeque<Pending> q : queues.values()) {
      for (Pending p : q) {
        if (p.cancelled || !p.resources.fitsIn(forStarting)) {
          break;
        }
        forStarting.subtract(p.resources);
        needWorkers.merge(p.job, 1, Integer::sum);
      }
    }
    int maxStarting = Math.max(2, (int) Math.ceil(node.numCpus()));
    for (var e : needWorkers.entrySet()) {
      int toStart = e.getValue() - pool.starting(e.getKey());
      while (toStart-- > 0 && pool.startingTotal() < maxStarting) {
        int before = pool.startingTotal();
        pool.start(e.getKey());
        if (pool.startingTotal() == before) {
          break; // the job's class path is being fetched
        }
      }
    }
  }

  private void noticeInfeasible(Pending p) {
    if (p.infeasibleNoticed) {
      return;
    }
    p.infeasibleNoticed = true;
    String msg = "task of job " + p.job + " needs " + p.resources + " but no alive node has that much in total"
        + " (this node " + node.nodeId() + " has " + total + "): it stays pending until a node with these"
        + " resources joins";
    LOG.warn("infeasible lease request: {}", msg);
    p.out.onNext(LeaseUpdate.newBuilder().setNotice(LeaseNotice.newBuilder()
        .setKind(LeaseNotice.Kind.INFEASIBLE).setMessage(msg)).build());
  }

  private void grant(Pending p, WorkerProcess w) {
    UUID u = UUID.randomUUID();
    ByteString leaseId = ByteString.copyFrom(java.nio.ByteBuffer.allocate(16).putLong(u.getMostSignificantBits())
        .putLong(u.getLeastSignificantBits()).array());
    Lease lease = new Lease(leaseId, w, p.resources, p.request.getOwner().getWorkerId());
    available.subtract(p.resources);
    leases.put(leaseId, lease);
    w.lease = lease;
    granted++;
    try {
      p.out.onNext(LeaseUpdate.newBuilder().setGrant(LeaseGrant.newBuilder().setLeaseId(leaseId)
          .setWorker(Address.newBuilder().setHost(node.host()).setPort(w.port)
              .setWorkerId(ByteString.copyFrom(w.id.bytes())).setNodeId(ByteString.copyFrom(node.nodeId().bytes()))))
          .build());
      p.out.onCompleted();
    } catch (RuntimeException e) {
      LOG.debug("lease {} could not be delivered ({}); taking it back", w.id, e.toString());
      release(lease, false);
    }
  }

  /** The owner gives the worker back (or reports it failed). */
  boolean returnWorker(ByteString leaseId, boolean failed) {
    Lease lease = leases.get(leaseId);
    if (lease == null) {
      return false;
    }
    release(lease, failed);
    dispatch();
    return true;
  }

  private void release(Lease lease, boolean workerFailed) {
    if (leases.remove(lease.id) == null) {
      return;
    }
    ResourceSet back = lease.resources.copy();
    if (lease.cpuReleased) {
      back.subtract(lease.resources.only("CPU"));
    }
    available.add(back);
    WorkerProcess w = lease.worker;
    if (w.state == WorkerProcess.State.LEASED && w.lease == lease) {
      if (workerFailed) {
        pool.kill(w, "its owner reported it failed");
      } else {
        pool.markIdle(w);
      }
    }
  }

  /** A worker process exited: its lease (if any) and the leases it owned as an owner end. */
  void workerExited(WorkerProcess w) {
    if (w.lease != null) {
      release(w.lease, false);
    }
    ownerDied(w.id);
  }

  /**
   * A worker or driver died, here or on another node (a worker-death publication): the leases it
   * held as an owner end and its queued requests are dropped. Nobody else would give them back.
   */
  void ownerDied(WorkerId id) {
    ByteString owner = ByteString.copyFrom(id.bytes());
    for (Lease l : List.copyOf(leases.values())) {
      if (l.ownerWorkerId.equals(owner)) {
        LOG.info("worker {} died holding lease on {}; returning it", id, l.worker.id);
        release(l, false);
      }
    }
    for (ArrayDeque<Pending> q : queues.values()) {
      for (Pending p : q) {
        if (p.request.getOwner().getWorkerId().equals(owner)) {
          p.cancelled = true;
        }
      }
    }
    dispatch();
  }

  /** A leased worker blocked in get/wait gives its CPU back; it takes it again when it unblocks. */
  boolean blocked(WorkerId id, boolean blocked) {
    WorkerProcess w = pool.get(id);
    if (w == null || w.lease == null) {
      return false;
    }
    Lease l = w.lease;
    if (blocked && !l.cpuReleased) {
      l.cpuReleased = true;
      available.add(l.resources.only("CPU"));
      dispatch();
    } else if (!blocked && l.cpuReleased) {
      l.cpuReleased = false;
      available.subtract(l.resources.only("CPU"));
    }
    return true;
  }

  /** The job's code cannot be fetched here: its queued requests fail with the reason. */
  void jobCodeFailed(JobId job, String why) {
    failQueued(job, Status.FAILED_PRECONDITION.withDescription("node " + node.nodeId() + " cannot start"
        + " workers of job " + job + ": " + why));
  }

  private void failQueued(JobId job, Status status) {
    for (ArrayDeque<Pending> q : queues.values()) {
      for (Iterator<Pending> it = q.iterator(); it.hasNext(); ) {
        Pending p = it.next();
        if (p.job.equals(job)) {
          it.remove();
          if (!p.out.isCancelled()) {
            p.out.onError(status.asRuntimeException());
          }
        }
      }
    }
  }

  /** A finished job's queued requests fail at once; its workers are stopped by the pool. */
  void jobFinished(JobId job) {
    failQueued(job, Status.ABORTED.withDescription("job " + job + " finished"));
    for (Lease l : List.copyOf(leases.values())) {
      if (l.worker.jobId.equals(job)) {
        release(l, false);
      }
    }
    pool.killJob(job, "job " + job + " finished");
  }

  ResourceSet total() {
    return total;
  }

  ResourceSet available() {
    return available;
  }

  long grantedCount() {
    return granted;
  }

  List<ResourceDemand> demand() {
    Map<ResourceSet, int[]> count = new LinkedHashMap<>();
    Map<ResourceSet, Boolean> infeasible = new HashMap<>();
    for (ArrayDeque<Pending> q : queues.values()) {
      for (Pending p : q) {
        if (p.cancelled || p.out.isCancelled()) {
          continue;
        }
        count.computeIfAbsent(p.resources, k -> new int[1])[0]++;
        infeasible.put(p.resources, !p.resources.fitsIn(total));
      }
    }
    List<ResourceDemand> out = new ArrayList<>();
    count.forEach((r, c) -> out.add(ResourceDemand.newBuilder().putAllShape(r.toMap()).setCount(c[0])
        .setInfeasible(infeasible.get(r)).build()));
    return out;
  }
}
