package io.jray.raylet;

import io.jray.common.proto.ProtoIds;
import com.google.protobuf.ByteString;
import io.jray.api.JobId;
import io.jray.api.WorkerId;
import io.jray.common.concurrent.EventLoop;
import io.jray.proto.Address;
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
 * scheduling class (resource shape + function); classes are served round-robin so none starves:
 * the queues are kept in the order they are to be served, and a class that was just served goes
 * to the back.
 * A request that needs more than the node has at all is infeasible: its owner is told, the raylet
 * logs it, and it stays queued.
 *
 * <p>Threads: every field is state of {@code raylet-loop}, and every entry point asserts it runs
 * there; nothing here locks. Answers go out through each request's {@link LeaseReplies}, so the
 * scheduler knows nothing of gRPC (the service adapts them with {@link LeaseStream}).
 */
final class LeaseScheduler {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseScheduler.class);

  /** A lease request waiting for resources or a worker. */
  static final class Pending {
    private final LeaseRequest request;
    private final ResourceSet resources;
    private final JobId job;
    private final LeaseReplies out;
    /** Answered elsewhere or withdrawn: skipped, and dropped when it reaches the head of its queue. */
    private boolean cancelled;
    private boolean infeasibleNoticed;
    /** When the request arrived (System.nanoTime()): jray_lease_grant_seconds measures from here. */
    private final long arrivedNanos = System.nanoTime();

    private Pending(LeaseRequest request, LeaseReplies out) {
      this.request = request;
      this.resources = request.placement();
      this.job = request.job();
      this.out = out;
    }

    private boolean gone() {
      return cancelled || out.withdrawn();
    }
  }

  /**
   * Requests that one worker could serve in turn. The job is part of it because workers belong to
   * a job: with one queue for two jobs, a request waiting for its job's worker to start would hold
   * up the other job's requests while that job's idle workers sit there.
   */
  private record SchedulingClass(JobId job, ResourceSet resources, ByteString function, List<String> jvmOptions) {}

  private final EventLoop loop;
  private final NodeContext node;
  private final ClusterView cluster;
  private final SchedulingPolicy policy = new SchedulingPolicy(
      io.jray.common.config.JRayConfig.getDouble(io.jray.common.config.JRayConfig.SCHEDULER_SPREAD_THRESHOLD));
  private final ResourceSet total;
  private final ResourceSet available;
  private final WorkerPool pool;
  private final Map<SchedulingClass, ArrayDeque<Pending>> queues = new LinkedHashMap<>();
  private final Map<ByteString, Lease> leases = new HashMap<>();
  private long granted;

  LeaseScheduler(EventLoop loop, NodeContext node, ClusterView cluster, ResourceSet total,
      java.util.function.Function<LeaseScheduler, WorkerPool> pool) {
    this.loop = loop;
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
  Pending request(LeaseRequest req, LeaseReplies out) {
    assert loop.inLoop();
    Pending p = new Pending(req, out);
    if (req.grantOrReject()) {
      if (!p.resources.fitsIn(total)) {
        out.rejected("node " + node.nodeId() + " has " + total + ", less than " + p.resources);
        return null;
      }
    } else {
      SchedulingPolicy.Decision d = policy.decide(p.resources, req.strategy(), node.nodeId(), view());
      if (d instanceof SchedulingPolicy.Spill s) {
        spillback(p, s.node());
        return null;
      }
      if (d instanceof SchedulingPolicy.Unschedulable u) {
        LOG.warn("lease request of job {} cannot be scheduled: {}", p.job, u.why());
        out.failed(LeaseReplies.Failure.UNSCHEDULABLE, u.why());
        return null;
      }
    }
    SchedulingClass cls = new SchedulingClass(p.job, p.resources, req.function(), req.jvmOptions());
    queues.computeIfAbsent(cls, k -> new ArrayDeque<>()).add(p);
    dispatch();
    return p;
  }

  /**
   * The requester withdrew {@code p}. Only marked: the queue drops it when it comes up, and
   * nothing is freed by it (a queued request holds nothing).
   */
  void cancel(Pending p) {
    assert loop.inLoop();
    p.cancelled = true;
  }

  private java.util.Map<io.jray.api.NodeId, NodeView> view() {
    return cluster.snapshot(node.host(), node.port(), total, available);
  }

  private void spillback(Pending p, NodeView to) {
    p.cancelled = true;
    cluster.reserve(to.id(), p.resources);
    p.out.spilledBack(Address.newBuilder().setHost(to.host()).setPort(to.port())
        .setNodeId(ProtoIds.bytes(to.id())).build());
  }

  /**
   * Sends queued requests that cannot run here now to nodes that can (as the cluster view sees
   * them), so work spreads once this node is busy and infeasible work goes to a node that joined.
   * Requests that came here by spillback cannot be sent on (they must be granted or rejected
   * here): those that wait while another node has room now are rejected, so that their owners
   * ask again and go there. Without it, every request spilled to the first node that joins (all
   * of them, when that node was the only one that could run them) waits there while nodes that
   * join later idle, which is what an autoscaled cluster looks like.
   */
  void rebalance() {
    assert loop.inLoop();
    java.util.Map<io.jray.api.NodeId, NodeView> view = null;
    // what the requests ahead in the queues leave: while workers start, nothing is granted yet,
    // and every request on its own would fit what is free
    ResourceSet room = available.copy();
    for (ArrayDeque<Pending> q : queues.values()) {
      for (Pending p : q) {
        if (p.gone()) {
          continue;
        }
        if (p.resources.fitsIn(room)) {
          room.subtract(p.resources);
          continue;
        }
        if (view == null) {
          view = view();
        }
        if (p.request.grantOrReject()) {
          NodeView other = roomElsewhere(p.resources, view);
          if (other != null) {
            p.cancelled = true;
            cluster.reserve(other.id(), p.resources); // the next one looks for room besides this
            view = null;
            p.out.rejected("node " + node.nodeId() + " is busy and node " + other.id() + " has room now");
          }
          continue;
        }
        SchedulingPolicy.Decision d = policy.decide(p.resources, p.request.strategy(), node.nodeId(), view);
        if (d instanceof SchedulingPolicy.Spill s) {
          spillback(p, s.node());
          view = null; // the target now counts this request: look again for the next one
        } else if (d instanceof SchedulingPolicy.Unschedulable u) {
          p.cancelled = true;
          p.out.failed(LeaseReplies.Failure.UNSCHEDULABLE, u.why());
        }
      }
    }
  }

  /** Another alive node where {@code request} fits now, or null. */
  private NodeView roomElsewhere(ResourceSet request, java.util.Map<io.jray.api.NodeId, NodeView> view) {
    for (NodeView n : view.values()) {
      if (n.alive() && !n.id().equals(node.nodeId()) && request.fitsIn(n.available())) {
        return n;
      }
    }
    return null;
  }

  /** Hands out every lease that fits now. Called after every change of resources or workers. */
  void dispatch() {
    assert loop.inLoop();
    ResourceSet forStarting = available.copy();
    Map<WorkerPool.Kind, Integer> needWorkers = new HashMap<>();
    boolean progress = true;
    while (progress) {
      progress = false;
      for (SchedulingClass cls : List.copyOf(queues.keySet())) {
        ArrayDeque<Pending> q = queues.get(cls);
        if (q == null) {
          continue;
        }
        Pending p = q.peek();
        while (p != null && p.gone()) {
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
        WorkerProcess w = pool.popIdle(new WorkerPool.Kind(p.job, cls.jvmOptions()));
        if (w == null) {
          continue;
        }
        q.poll();
        grant(p, w);
        // To the back: the classes that waited get the next free resources first, in this pass
        // and in the next dispatch (a counter rotating over the classes served the same class
        // again whenever one lease came back at a time).
        queues.remove(cls);
        queues.put(cls, q);
        progress = true;
      }
    }
    // Requests that could run if they had a worker; the pool decides what to start for them.
    for (ArrayDeque<Pending> q : queues.values()) {
      for (Pending p : q) {
        if (p.cancelled || !p.resources.fitsIn(forStarting)) {
          break;
        }
        forStarting.subtract(p.resources);
        needWorkers.merge(new WorkerPool.Kind(p.job, p.request.jvmOptions(),
            p.request.actor() != null && p.request.actor().detached()), 1, Integer::sum);
      }
    }
    pool.startFor(needWorkers);
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
    p.out.infeasible(msg);
  }

  private void grant(Pending p, WorkerProcess w) {
    UUID u = UUID.randomUUID();
    ByteString leaseId = ByteString.copyFrom(java.nio.ByteBuffer.allocate(16).putLong(u.getMostSignificantBits())
        .putLong(u.getLeastSignificantBits()).array());
    // an actor may hold less than it needed to be placed (by default 1 CPU to place, none held)
    Lease lease = new Lease(leaseId, w, p.request.resources(), p.request.owner());
    available.subtract(p.request.resources());
    if (p.request.actor() != null) {
      w.actorId = p.request.actor().actorId();
      w.detachedActor = p.request.actor().detached();
      LOG.info("worker {} leased to actor {}{}", w.id, java.util.HexFormat.of().formatHex(w.actorId.toByteArray()),
          w.detachedActor ? " (detached)" : "");
    }
    leases.put(leaseId, lease);
    w.lease = lease;
    granted++;
    RayletMetrics.LEASE_GRANT_SECONDS.observe((System.nanoTime() - p.arrivedNanos) / 1e9);
    Address worker = Address.newBuilder().setHost(node.host()).setPort(w.port)
        .setWorkerId(ProtoIds.bytes(w.id)).setNodeId(ProtoIds.bytes(node.nodeId())).build();
    if (!p.out.granted(leaseId, worker, w.pid())) {
      LOG.debug("lease on {} could not be delivered; taking it back", w.id);
      release(lease, false);
    }
  }

  /** The owner gives the worker back (or reports it failed). */
  boolean returnWorker(ByteString leaseId, boolean failed) {
    assert loop.inLoop();
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
    assert loop.inLoop();
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
    assert loop.inLoop();
    ByteString owner = ProtoIds.bytes(id);
    for (Lease l : List.copyOf(leases.values())) {
      if (l.ownerWorkerId.equals(owner)) {
        LOG.info("worker {} died holding lease on {}; returning it", id, l.worker.id);
        release(l, false);
      }
    }
    for (ArrayDeque<Pending> q : queues.values()) {
      for (Pending p : q) {
        if (p.request.owner().equals(owner)) {
          p.cancelled = true;
        }
      }
    }
    dispatch();
  }

  /** A leased worker blocked in get/wait gives its CPU back; it takes it again when it unblocks. */
  boolean blocked(WorkerId id, boolean blocked) {
    assert loop.inLoop();
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
    assert loop.inLoop();
    failQueued(job, LeaseReplies.Failure.CANNOT_START_WORKERS, "node " + node.nodeId() + " cannot start"
        + " workers of job " + job + ": " + why, false);
  }

  /** Fails the job's queued requests; {@code spareDetached}: not those of detached actors (they outlive it). */
  private void failQueued(JobId job, LeaseReplies.Failure kind, String why, boolean spareDetached) {
    for (ArrayDeque<Pending> q : queues.values()) {
      for (Iterator<Pending> it = q.iterator(); it.hasNext(); ) {
        Pending p = it.next();
        if (spareDetached && p.request.actor() != null && p.request.actor().detached()) {
          continue;
        }
        if (p.job.equals(job)) {
          it.remove();
          if (!p.out.withdrawn()) {
            p.out.failed(kind, why);
          }
        }
      }
    }
  }

  /** A finished job's queued requests fail at once; its workers are stopped by the pool. */
  void jobFinished(JobId job) {
    assert loop.inLoop();
    failQueued(job, LeaseReplies.Failure.JOB_FINISHED, "job " + job + " finished", true);
    for (Lease l : List.copyOf(leases.values())) {
      if (l.worker.jobId.equals(job) && !l.worker.detachedActor) {
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

  /**
   * What waits here, by resource shape: each live queued request with the owner's backlog behind
   * it, so the autoscaler and {@code jray status} see the tasks and not just the requests asking
   * for them. A request that left (granted, spilled, cancelled) counts nothing.
   */
  List<ResourceDemand> demand() {
    assert loop.inLoop();
    Map<ResourceSet, long[]> count = new LinkedHashMap<>();
    Map<ResourceSet, Boolean> infeasible = new HashMap<>();
    for (ArrayDeque<Pending> q : queues.values()) {
      for (Pending p : q) {
        if (p.gone()) {
          continue;
        }
        // each term capped at the wire's 32 bits so that the long sum cannot overflow
        long tasks = 1 + Math.min(p.request.backlog(), Integer.MAX_VALUE);
        count.computeIfAbsent(p.resources, k -> new long[1])[0] += tasks;
        infeasible.put(p.resources, !p.resources.fitsIn(total));
      }
    }
    List<ResourceDemand> out = new ArrayList<>();
    // the wire count is 32 bits; a backlog that large means "more than anyone can run" anyway
    count.forEach((r, c) -> out.add(ResourceDemand.newBuilder().putAllShape(r.toMap())
        .setCount((int) Math.min(Integer.MAX_VALUE, c[0]))
        .setInfeasible(infeasible.get(r)).build()));
    return out;
  }
}
