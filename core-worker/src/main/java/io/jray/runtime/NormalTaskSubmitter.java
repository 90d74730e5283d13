package io.jray.runtime;

import io.jray.common.grpc.ChannelPool;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.config.JRayConfig;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.Address;
import io.jray.proto.CancelPushedTask;
import io.jray.proto.CoreWorkerServiceGrpc;
import io.jray.proto.ErrorInfo;
import io.jray.proto.LeaseNotice;
import io.jray.proto.LeaseUpdate;
import io.jray.proto.NodeManagerServiceGrpc;
import io.jray.proto.PushTaskReply;
import io.jray.proto.PushTaskRequest;
import io.jray.proto.RequestWorkerLeaseRequest;
import io.jray.proto.ReturnWorkerReply;
import io.jray.proto.ReturnWorkerRequest;
import io.jray.proto.SchedulingStrategySpec;
import io.jray.proto.TaskResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends this owner's resolved normal tasks to leased workers (DESIGN §4): leases per scheduling
 * class from the local raylet (following spillback), one stream per leased worker with several
 * tasks in flight, lease reuse while the class has work, return after a short idle time. What a
 * result or a dead worker means for the task is the {@link TaskManager}'s to decide; this puts a
 * task to be retried back at the head of its queue. A cancelled task ({@link #cancel}) leaves its
 * queue, or its worker is told on the task's own stream, after the batch that carried it.
 *
 * <p>Threads: the state is guarded by this object's monitor rather than owned by a loop thread: a
 * submit pushes from the caller's thread and a result pushes the next task from the gRPC thread
 * that delivered it, with no thread hop per task (DESIGN §10, §11; a loop hop each way cost two
 * context switches per task on 2 cores). Nothing calls out while holding the monitor: stream
 * writes, lease calls and task outcomes are collected in an {@link Outbox} and made once it is
 * released. The {@code submitter} loop only runs timers (idle leases, lease retries, the deadline
 * of a worker told to exit by a forced cancel).
 */
final class NormalTaskSubmitter implements TaskSubmitter {
  private static final Logger LOG = LoggerFactory.getLogger(NormalTaskSubmitter.class);
  private static final int MAX_PENDING_LEASES = 10;
  /** How long lease requests still out are expected to be granted after the last grant or request. */
  private static final long LEASES_EXPECTED_NANOS = 1_000_000_000L;
  /**
   * How long a worker told to exit for a forced cancel has to do so before the lease is returned
   * as failed, which makes its raylet stop it: a worker too stuck to read the cancel still goes.
   */
  private static final long FORCED_EXIT_WAIT_MS = 10_000;

  private final EventLoop loop;
  private final TaskManager tasks;
  private final ChannelPool channels;
  private final Address self;
  /** Where leases are asked for: the local raylet, or another node's once the local one died (drivers). */
  private volatile Address raylet;
  private final ByteString jobId;
  /** Whether a worker is on a node GCS declared dead: nothing from there is taken (a grant, a result). */
  private final Predicate<Address> onDeadNode;
  private final int depth = JRayConfig.getInt(JRayConfig.PUSH_PIPELINE_DEPTH);
  private final long idleMs = JRayConfig.getLong(JRayConfig.LEASE_IDLE_MS);
  @GuardedBy("this")
  private final Map<SchedulingQueue.Key, SchedulingQueue> queues = new HashMap<>();
  @GuardedBy("this")
  private boolean shutdown;
  @GuardedBy("this")
  private String rayletDead;

  NormalTaskSubmitter(EventLoop loop, TaskManager tasks, ChannelPool channels, Address self, Address raylet,
      ByteString jobId, Predicate<Address> onDeadNode) {
    this.onDeadNode = onDeadNode;
    this.loop = loop;
    this.tasks = tasks;
    this.channels = channels;
    this.self = self;
    this.raylet = raylet;
    this.jobId = jobId;
    loop.every(this::returnIdleLeases, Math.max(1, idleMs));
  }

  /** Queues a task whose arguments are all resolved. Any thread. */
  void submit(PendingTask t) {
    Outbox out = new Outbox();
    synchronized (this) {
      // a task cancelled since its resolution is dropped here; one cancelled later is found
      // here by cancel(), which takes this monitor after marking it
      if (!t.cancelled() && !refused(t, out)) {
        SchedulingQueue q = queues.computeIfAbsent(keyOf(t), SchedulingQueue::new);
        q.ready.add(t);
        pump(q, out);
      }
    }
    out.run();
  }

  private static SchedulingQueue.Key keyOf(PendingTask t) {
    return new SchedulingQueue.Key(t.spec.getResourcesMap(), t.spec.getFunction(), t.spec.getStrategy());
  }

  @Override
  public CancelOutcome cancel(PendingTask t, boolean force, boolean recursive) {
    Outbox out = new Outbox();
    CancelOutcome outcome = null;
    synchronized (this) {
      SchedulingQueue q = queues.get(keyOf(t));
      if (q != null) {
        if (q.ready.remove(t)) {
          // a lease granted for it later finds the queue empty and goes back at once (granted)
          outcome = CancelOutcome.REMOVED;
        } else {
          for (LeasedWorker w : q.leases) {
            if (w.inflight.get(t.taskId) == t) {
              // it stays in flight, counted as the worker's load, until its result (or the
              // worker's loss) comes: the worker is busy with it until the interrupt takes
              tellWorker(w, t, force, recursive, out);
              outcome = CancelOutcome.SENT_TO_WORKER;
              break;
            }
          }
        }
      }
    }
    out.run();
    return outcome;
  }

  @Override
  public boolean forceAgain(ByteString taskId, boolean recursive) {
    Outbox out = new Outbox();
    boolean found = false;
    synchronized (this) {
      for (SchedulingQueue q : queues.values()) {
        for (LeasedWorker w : q.leases) {
          PendingTask t = w.inflight.get(taskId);
          if (t != null && t.cancelled()) {
            tellWorker(w, t, true, recursive, out);
            found = true;
          }
        }
      }
    }
    out.run();
    return found;
  }

  /**
   * Sends the cancel of {@code t} on its lease's stream, after the batch that carried it. With
   * {@code force}, the lease is returned as failed if the worker has not gone in
   * {@value #FORCED_EXIT_WAIT_MS} ms.
   */
  @GuardedBy("this")
  private void tellWorker(LeasedWorker w, PendingTask t, boolean force, boolean recursive, Outbox out) {
    w.releaseHeld(); // the task may be among them: the cancel must follow it on the stream
    w.queue(PushTaskRequest.newBuilder().setLeaseId(w.leaseId).addCancels(CancelPushedTask.newBuilder()
        .setTaskId(t.taskId).setForce(force).setRecursive(recursive)).build());
    out.add(w::flush);
    if (force) {
      out.add(() -> loop.schedule(() -> forcedExitOverdue(w, t), FORCED_EXIT_WAIT_MS));
    }
  }

  private void forcedExitOverdue(LeasedWorker w, PendingTask t) {
    boolean stuck;
    synchronized (this) {
      stuck = !w.closed && w.inflight.get(t.taskId) == t;
    }
    if (stuck) {
      LOG.warn("{} still runs cancelled task {} ({}) {} ms after it was told to exit: returning it as failed",
          w, ProtoIds.taskId(t.taskId), t.functionName, FORCED_EXIT_WAIT_MS);
      workerLost(w, Status.DEADLINE_EXCEEDED.withDescription("the worker did not exit after a forced cancel"));
      w.closeStream();
    }
  }

  /** Fails {@code t} (in {@code out}) if nothing can run any more; true if it did. */
  @GuardedBy("this")
  private boolean refused(PendingTask t, Outbox out) {
    if (shutdown) {
      out.add(() -> tasks.fail(t, RemoteErrors.of(ErrorInfo.Type.SYSTEM_ERROR, "JRay is shutting down",
          t.functionName)));
      return true;
    }
    if (rayletDead != null) {
      String why = rayletDead;
      out.add(() -> tasks.fail(t, RemoteErrors.of(ErrorInfo.Type.TASK_UNSCHEDULABLE, why, t.functionName)));
      return true;
    }
    return false;
  }

  @GuardedBy("this")
  private void pump(SchedulingQueue q, Outbox out) {
    // Ask for more workers before pipelining: a task queued behind a long one on a busy worker
    // waits for it, so tasks only pipeline onto busy workers while more leases are on the way or
    // the queue is longer than the workers can take one by one.
    int idle = 0;
    for (LeasedWorker w : q.leases) {
      idle += !w.closed && w.inflight.isEmpty() ? 1 : 0;
    }
    // A fixed count, not "until enough are pending": a request to an unreachable raylet can fail
    // synchronously, and must not turn this into a busy loop (failures retry after a second).
    int toRequest = Math.min(q.ready.size() - idle, MAX_PENDING_LEASES) - q.pendingLeaseRequests;
    if (toRequest > 0) {
      // The raylet counts each queued request as 1 + its backlog, so the tasks no request of
      // this class stands for ride on one of them: the first of this round.
      long backlog = Math.max(0, q.ready.size() - idle - q.pendingLeaseRequests - toRequest);
      q.leaseActivityNanos = System.nanoTime();
      for (int i = 0; i < toRequest; i++) {
        q.pendingLeaseRequests++;
        long b = i == 0 ? backlog : 0;
        out.add(() -> askRaylet(q, raylet, false, b));
      }
    }
    // Lease requests still out count as workers about to come, so tasks wait for them rather
    // than queue behind busy ones; but not once nothing was granted or asked for in a while
    // (longer than a worker JVM takes to start): the cluster is full, they wait for resources,
    // and the leases held get the tasks in deep batches (on a full node, counting them cut each
    // lease to a few tasks per message).
    boolean grantsLikely = System.nanoTime() - q.leaseActivityNanos < LEASES_EXPECTED_NANOS;
    int workers = q.leases.size() + (grantsLikely ? q.pendingLeaseRequests : 0);
    // SPREAD tasks never pipeline: each waits for a lease of its own, which the raylets spread
    // over the nodes; pipelining put most of them behind the first lease granted
    int cap = q.key.strategy().getKind() == SchedulingStrategySpec.Kind.SPREAD ? 1
        : Math.max(1, Math.min(depth, (q.ready.size() + q.inflight() + workers - 1) / Math.max(1, workers)));
    for (LeasedWorker w : q.leases) {
      if (q.ready.isEmpty()) {
        break;
      }
      if (w.closed || w.inflight.size() >= cap) {
        continue;
      }
      boolean given = false;
      while (w.inflight.size() < cap && !q.ready.isEmpty()) {
        PendingTask t = q.ready.poll();
        if (!tasks.running(t, w.worker)) {
          continue; // cancelled a moment ago (its canceller is about to look here): it never goes out
        }
        w.inflight.put(t.taskId, t);
        w.give(t.specForAttempt());
        given = true;
      }
      if (given) {
        w.lastActiveNanos = System.nanoTime();
        if (w.sendIfIdle()) {
          out.add(w::flush);
        }
      }
    }
  }

  /** Returns leases that had nothing to do for {@code lease.idle-ms}; runs every idle period. */
  private void returnIdleLeases() {
    Outbox out = new Outbox();
    synchronized (this) {
      long now = System.nanoTime();
      for (SchedulingQueue q : queues.values()) {
        if (!q.ready.isEmpty()) {
          continue;
        }
        for (LeasedWorker w : List.copyOf(q.leases)) {
          if (!w.closed && w.inflight.isEmpty() && now - w.lastActiveNanos >= idleMs * 1_000_000L) {
            returnLease(w, false, out);
          }
        }
      }
    }
    out.run();
  }

  /**
   * One lease request to one raylet. A spillback answer re-asks the named raylet (which must then
   * grant or reject); a rejection starts over at the local raylet. All of it counts as one
   * pending request. {@code backlog}: the tasks of the class this request also stands for, in
   * the raylet's demand report. Called without the monitor.
   */
  private void askRaylet(SchedulingQueue q, Address at, boolean grantOrReject, long backlog) {
    RequestWorkerLeaseRequest req = RequestWorkerLeaseRequest.newBuilder().setJobId(jobId)
        .putAllResources(q.key.resources()).setFunction(q.key.function()).setOwner(self)
        .setStrategy(q.key.strategy()).setGrantOrReject(grantOrReject).setBacklog(backlog).build();
    NodeManagerServiceGrpc.newStub(channels.get(at))
        .requestWorkerLease(req, new StreamObserver<>() {
          private boolean answered;

          @Override
          public void onNext(LeaseUpdate u) {
            if (u.hasGrant() && onDeadNode.test(u.getGrant().getWorker())) {
              // a raylet GCS declared dead that does not know it yet (fencing): its worker's
              // results would not be taken, so the lease is not used; asked again locally
              answered = true;
              LOG.warn("lease of a worker on node {}, which GCS declared dead, not used; asking again",
                  ProtoIds.nodeId(u.getGrant().getWorker().getNodeId()));
              reask(q, raylet, false, "granted on a dead node");
            } else if (u.hasGrant()) {
              answered = true;
              granted(q, u, at);
            } else if (u.hasSpillback()) {
              answered = true;
              reask(q, u.getSpillback(), true, null);
            } else if (u.hasRejected()) {
              answered = true;
              reask(q, raylet, false, u.getRejected());
            } else if (u.getNotice().getKind() == LeaseNotice.Kind.INFEASIBLE) {
              warnInfeasible(q, u.getNotice().getMessage());
            }
          }

          @Override
          public void onError(Throwable t) {
            leaseFailed(q, Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            if (!answered) {
              leaseFailed(q, Status.UNAVAILABLE.withDescription("the raylet ended the lease request without a grant"));
            }
          }
        });
  }

  /** A spillback (to {@code to}, grant or reject) or a rejection after one (back to the local raylet). */
  private void reask(SchedulingQueue q, Address to, boolean grantOrReject, String rejectedBecause) {
    if (rejectedBecause != null) {
      LOG.debug("lease request rejected after spillback ({}); asking the local raylet again", rejectedBecause);
    }
    synchronized (this) {
      if (shutdown || rayletDead != null) {
        q.pendingLeaseRequests--;
        return;
      }
    }
    askRaylet(q, to, grantOrReject, 0);
  }

  private void warnInfeasible(SchedulingQueue q, String message) {
    synchronized (this) {
      if (q.infeasibleWarned) {
        return;
      }
      q.infeasibleWarned = true;
    }
    LOG.warn("A task cannot be scheduled right now: {}", message);
  }

  private void leaseFailed(SchedulingQueue q, Status s) {
    Outbox out = new Outbox();
    boolean refused = s.getCode() == Status.Code.ABORTED || s.getCode() == Status.Code.INVALID_ARGUMENT
        || s.getCode() == Status.Code.FAILED_PRECONDITION;
    boolean retry = false;
    synchronized (this) {
      q.pendingLeaseRequests--;
      if (shutdown || rayletDead != null) {
        return;
      }
      if (refused) {
        failQueued(q, ErrorInfo.Type.TASK_UNSCHEDULABLE, "the raylet refused the lease: " + s.getDescription(), out);
      } else if (!q.retryScheduled) {
        // one retry (and one log line) per queue, however many requests failed
        q.retryScheduled = true;
        retry = true;
      }
    }
    if (refused) {
      LOG.warn("lease request refused: {} {}", s.getCode(), s.getDescription());
    } else if (retry) {
      LOG.warn("lease request failed: {} {}; retrying in 1 s", s.getCode(), s.getDescription());
      loop.schedule(() -> pumpLater(q), 1000);
    }
    out.run();
  }

  private void pumpLater(SchedulingQueue q) {
    Outbox out = new Outbox();
    synchronized (this) {
      q.retryScheduled = false;
      pump(q, out);
    }
    out.run();
  }

  private void granted(SchedulingQueue q, LeaseUpdate u, Address grantedBy) {
    LeasedWorker w = new LeasedWorker(u.getGrant().getLeaseId(), u.getGrant().getWorker(), grantedBy, q);
    synchronized (this) {
      q.pendingLeaseRequests--;
      q.leaseActivityNanos = System.nanoTime();
      if (shutdown || q.ready.isEmpty()) {
        w.closed = true; // shut down, or the work went elsewhere meanwhile
      }
    }
    if (w.closed) {
      sendReturn(w, false);
      return;
    }
    w.open(CoreWorkerServiceGrpc.newStub(channels.get(w.worker))
        .pushTasks(new ClientResponseObserver<PushTaskRequest, PushTaskReply>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<PushTaskRequest> s) {}

          @Override
          public void onNext(PushTaskReply reply) {
            results(w, reply);
          }

          @Override
          public void onError(Throwable t) {
            workerLost(w, Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            workerLost(w, Status.UNAVAILABLE.withDescription("worker closed the stream"));
          }
        }));
    Outbox out = new Outbox();
    synchronized (this) {
      if (shutdown) {
        returnLease(w, false, out);
      } else if (!w.closed) { // not already lost while its stream opened
        w.lastActiveNanos = System.nanoTime();
        q.leases.add(w);
        pump(q, out);
      }
    }
    out.run();
  }

  /**
   * Results from {@code w}: the worker gets more work first, then the outcomes are applied. A
   * reply that says the worker is exiting (a forced cancel) ends the lease at once: the tasks it
   * has not answered never started, and go to another worker without counting as an attempt.
   */
  private void results(LeasedWorker w, PushTaskReply reply) {
    if (onDeadNode.test(w.worker)) {
      // GCS declared the worker's node dead, so its tasks are being (or were) redone elsewhere:
      // a result computed there is not used, and the lease ends as a lost worker
      workerLost(w, Status.UNAVAILABLE.withDescription("its node was declared dead by GCS; its results are not"
          + " used"));
      return;
    }
    List<TaskResult> results = reply.getResultsList();
    List<PendingTask> done = new ArrayList<>(results.size());
    List<PendingTask> unstarted = null;
    Outbox out = new Outbox();
    synchronized (this) {
      for (TaskResult r : results) {
        done.add(w.inflight.remove(r.getTaskId()));
      }
      if (reply.getExiting() && !w.closed) {
        unstarted = endLease(w);
      }
      pump(w.queue, out);
      // what was held for this reply goes now, in one message
      if (!w.closed && w.releaseHeld()) {
        out.add(w::flush);
      }
    }
    out.run();
    List<PendingTask> retry = null;
    for (int i = 0; i < done.size(); i++) {
      PendingTask t = done.get(i);
      if (t == null) {
        tasks.onUnexpectedResult(results.get(i));
      } else if (tasks.onResult(t, results.get(i))) {
        if (retry == null) {
          retry = new ArrayList<>(1);
        }
        retry.add(t);
      }
    }
    if (retry != null) {
      requeue(w.queue, retry);
    }
    if (unstarted != null) {
      workerExiting(w, unstarted);
    }
  }

  /** {@code w} exits for a forced cancel of the task it runs; {@code unstarted}: its other tasks in flight. */
  private void workerExiting(LeasedWorker w, List<PendingTask> unstarted) {
    sendReturn(w, true); // its raylet stops it, should it not exit by itself
    List<PendingTask> again = new ArrayList<>();
    Status why = Status.CANCELLED.withDescription("the worker exited for a forced cancel");
    for (PendingTask t : unstarted) {
      if (tasks.submitted(t)) {
        again.add(t); // not an attempt: it never ran
      } else {
        tasks.onWorkerDied(t, why); // the cancelled one: its stored return, if any, goes
      }
    }
    LOG.info("{} exits for a forced cancel; {} tasks it had not started are sent again", w, again.size());
    requeue(w.queue, again);
  }

  /** Puts tasks to be retried back at the head of their queue, in order. */
  private void requeue(SchedulingQueue q, List<PendingTask> retry) {
    Outbox out = new Outbox();
    synchronized (this) {
      for (int i = retry.size() - 1; i >= 0; i--) {
        PendingTask t = retry.get(i);
        if (!t.cancelled() && !refused(t, out)) {
          q.ready.addFirst(t);
        }
      }
      pump(q, out);
    }
    out.run();
  }

  private void workerLost(LeasedWorker w, Status why) {
    List<PendingTask> lost;
    synchronized (this) {
      if (w.closed) {
        return;
      }
      lost = endLease(w);
    }
    if (!lost.isEmpty()) {
      LOG.warn("{} failed with {} tasks in flight: {} {}", w, lost.size(), why.getCode(), why.getDescription());
    }
    sendReturn(w, true);
    List<PendingTask> retry = new ArrayList<>();
    for (PendingTask t : lost) {
      if (tasks.onWorkerDied(t, why)) {
        retry.add(t);
      }
    }
    requeue(w.queue, retry);
  }

  /** Closes {@code w} and takes its tasks in flight. */
  @GuardedBy("this")
  private List<PendingTask> endLease(LeasedWorker w) {
    w.closed = true;
    w.queue.leases.remove(w);
    List<PendingTask> inflight = new ArrayList<>(w.inflight.values());
    w.inflight.clear();
    w.dropHeld();
    return inflight;
  }

  @GuardedBy("this")
  private void returnLease(LeasedWorker w, boolean failed, Outbox out) {
    w.closed = true;
    w.queue.leases.remove(w);
    out.add(() -> {
      w.closeStream();
      sendReturn(w, failed);
    });
  }

  private void sendReturn(LeasedWorker w, boolean failed) {
    NodeManagerServiceGrpc.newStub(channels.get(w.raylet)).returnWorker(
        ReturnWorkerRequest.newBuilder().setLeaseId(w.leaseId).setWorkerFailed(failed).build(),
        new StreamObserver<ReturnWorkerReply>() {
          @Override
          public void onNext(ReturnWorkerReply r) {}

          @Override
          public void onError(Throwable t) {
            LOG.debug("returning {} failed: {}", w, t.toString());
          }

          @Override
          public void onCompleted() {}
        });
  }

  @GuardedBy("this")
  private void failQueued(SchedulingQueue q, ErrorInfo.Type type, String message, Outbox out) {
    while (!q.ready.isEmpty()) {
      PendingTask t = q.ready.poll();
      out.add(() -> tasks.fail(t, RemoteErrors.of(type, message, t.functionName)));
    }
  }

  @GuardedBy("this")
  private void failInflight(LeasedWorker w, ErrorInfo.Type type, String message, Outbox out) {
    for (PendingTask t : w.inflight.values()) {
      out.add(() -> tasks.fail(t, RemoteErrors.of(type, message, t.functionName)));
    }
    w.inflight.clear();
    w.dropHeld();
  }

  /**
   * The local raylet's node was marked DEAD: no lease can be had any more, so every queued task
   * fails now (and every later submit at once) instead of waiting forever. Tasks in flight on its
   * workers died with them.
   */
  void rayletDied(String reason) {
    Outbox out = new Outbox();
    synchronized (this) {
      if (rayletDead != null || shutdown) {
        return;
      }
      rayletDead = reason;
      for (SchedulingQueue q : queues.values()) {
        failQueued(q, ErrorInfo.Type.TASK_UNSCHEDULABLE, reason, out);
        for (LeasedWorker w : q.leases) {
          for (PendingTask t : w.inflight.values()) {
            out.add(() -> tasks.fail(t, RemoteErrors.of(ErrorInfo.Type.WORKER_CRASHED, reason + " while task "
                + t.functionName + " ran there", t.functionName)));
          }
          w.inflight.clear();
          w.dropHeld();
          w.closed = true;
        }
        q.leases.clear();
      }
    }
    LOG.error("{}: failing every queued and running task", reason);
    out.run();
  }

  /**
   * The local raylet's node was marked DEAD and this owner (a driver) goes on: leases are asked
   * from {@code next}'s raylet from now on. Tasks on the dead node's workers end as lost workers
   * (retried, counted), requests to the dead raylet fail and are asked again there.
   */
  void rayletReplaced(Address next, String reason) {
    synchronized (this) {
      if (rayletDead != null || shutdown) {
        return;
      }
      raylet = next;
    }
    LOG.warn("{}: asking node {} at {}:{} for leases from now on", reason, ProtoIds.nodeId(next.getNodeId()),
        next.getHost(), next.getPort());
  }

  /** Returns every lease and fails what has not run. */
  void shutdown() {
    Outbox out = new Outbox();
    synchronized (this) {
      shutdown = true;
      for (SchedulingQueue q : queues.values()) {
        failQueued(q, ErrorInfo.Type.SYSTEM_ERROR, "JRay was shut down before the task ran", out);
        for (LeasedWorker w : List.copyOf(q.leases)) {
          failInflight(w, ErrorInfo.Type.SYSTEM_ERROR, "JRay was shut down while the task ran", out);
          returnLease(w, false, out);
        }
      }
    }
    out.run();
  }
}
