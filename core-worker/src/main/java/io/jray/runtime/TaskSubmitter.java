package io.jray.runtime;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.jray.api.ObjectId;
import io.jray.api.TaskId;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.config.JRayConfig;
import io.jray.proto.Address;
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
import io.jray.proto.TaskResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends this owner's ready tasks to leased workers (DESIGN §4): leases per scheduling class from
 * the local raylet, one stream per leased worker with several tasks in flight, lease reuse while
 * the class has work, return after a short idle time, and retries when a worker dies.
 *
 * <p>Threads: the state is guarded by this object's monitor rather than owned by a loop thread:
 * a submit pushes from the caller's thread and a result pushes the next task from the gRPC thread
 * that delivered it, with no thread hop per task (DESIGN §11; a loop hop in each direction cost
 * two context switches per task on 2 cores). Nothing blocks while holding the monitor: stream
 * writes only enqueue to netty. The {@code submitter} loop only runs timers (idle leases, retries).
 */
final class TaskSubmitter {
  private static final Logger LOG = LoggerFactory.getLogger(TaskSubmitter.class);

  private final EventLoop loop;
  private final OwnershipTable table;
  private final ChannelCache channels;
  private final java.util.function.Consumer<ObjectId> orphanedReturn;
  private final ArgumentLost argumentLost;

  /** Told when a task could not run because one of its stored arguments could not be fetched. */
  interface ArgumentLost {
    void lost(PendingTask t, ObjectId argument, ErrorInfo error);
  }

  /** Counts the refs a task result contains, as owned here or borrowed (see {@link BorrowedRefs}). */
  interface ResultRefs {
    ObjectRefImpl<?> adopt(ObjectRefImpl<?> ref, Borrow handoff);

    /** The result is ignored (a retry's duplicate): the borrow made for it ends. */
    void ignored(Address owner, ObjectId id, Borrow handoff);
  }

  private final ResultRefs refs;
  private final Address self;
  private final Address raylet;
  private final ByteString jobId;
  private final int depth = JRayConfig.getInt(JRayConfig.PUSH_PIPELINE_DEPTH);
  private final long idleMs = JRayConfig.getLong(JRayConfig.LEASE_IDLE_MS);
  private final int maxPendingLeases = 10;
  private final Map<SchedulingQueue.Key, SchedulingQueue> queues = new HashMap<>();
  private boolean shutdown;
  private String rayletDead;

  TaskSubmitter(EventLoop loop, OwnershipTable table, ChannelCache channels, Address self, Address raylet,
      ByteString jobId, java.util.function.Consumer<ObjectId> orphanedReturn, ArgumentLost argumentLost,
      ResultRefs refs) {
    this.refs = refs;
    this.orphanedReturn = orphanedReturn;
    this.argumentLost = argumentLost;
    this.loop = loop;
    this.table = table;
    this.channels = channels;
    this.self = self;
    this.raylet = raylet;
    this.jobId = jobId;
    loop.every(this::returnIdleLeases, Math.max(1, idleMs));
  }

  /** Queues a task whose arguments are all resolved. Any thread. */
  synchronized void submit(PendingTask t) {
    if (shutdown) {
      fail(t, RemoteErrors.of(ErrorInfo.Type.SYSTEM_ERROR, "JRay is shutting down", t.functionName));
      return;
    }
    if (rayletDead != null) {
      fail(t, RemoteErrors.of(ErrorInfo.Type.TASK_UNSCHEDULABLE, rayletDead, t.functionName));
      return;
    }
    SchedulingQueue.Key key = new SchedulingQueue.Key(t.spec.getResourcesMap(), t.spec.getFunction(),
        t.spec.getStrategy());
    SchedulingQueue q = queues.computeIfAbsent(key, SchedulingQueue::new);
    q.ready.add(t);
    pump(q);
  }

  /** Fails a task without running it (a failed argument, shutdown). Any thread. */
  void fail(PendingTask t, ErrorInfo error) {
    table.complete(t.returnId, ObjectValue.failed(error));
  }

  private void pump(SchedulingQueue q) {
    // Ask for more workers before pipelining: a task queued behind a long one on a busy worker
    // waits for it, so tasks only pipeline onto busy workers while more leases are on the way or
    // the queue is longer than the workers can take one by one.
    int idle = 0;
    for (LeasedWorker w : q.leases) {
      idle += !w.closed && w.inflight.isEmpty() ? 1 : 0;
    }
    // A fixed count, not "until enough are pending": a request to an unreachable raylet can fail
    // synchronously, and must not turn this into a busy loop (failures retry after a second).
    int toRequest = Math.min(q.ready.size() - idle, maxPendingLeases) - q.pendingLeaseRequests;
    for (int i = 0; i < toRequest; i++) {
      requestLease(q);
    }
    int workers = q.leases.size() + q.pendingLeaseRequests;
    int cap = Math.max(1, Math.min(depth, (q.ready.size() + q.inflight() + workers - 1) / Math.max(1, workers)));
    for (LeasedWorker w : q.leases) {
      if (q.ready.isEmpty()) {
        break;
      }
      if (w.closed || w.inflight.size() >= cap) {
        continue;
      }
      PushTaskRequest.Builder batch = PushTaskRequest.newBuilder().setLeaseId(w.leaseId);
      while (w.inflight.size() < cap && !q.ready.isEmpty()) {
        PendingTask t = q.ready.poll();
        w.inflight.put(t.spec.getTaskId(), t);
        batch.addTasks(t.specForAttempt());
      }
      w.lastActiveNanos = System.nanoTime();
      w.stream.onNext(batch.build());
    }
  }

  /** Returns leases that had nothing to do for {@code lease.idle-ms}; runs every idle period. */
  private synchronized void returnIdleLeases() {
    long now = System.nanoTime();
    for (SchedulingQueue q : queues.values()) {
      if (!q.ready.isEmpty()) {
        continue;
      }
      for (LeasedWorker w : List.copyOf(q.leases)) {
        if (!w.closed && w.inflight.isEmpty() && now - w.lastActiveNanos >= idleMs * 1_000_000L) {
          returnLease(w, false);
        }
      }
    }
  }

  private void requestLease(SchedulingQueue q) {
    q.pendingLeaseRequests++;
    askRaylet(q, raylet, false);
  }

  /**
   * One lease request to one raylet. A spillback answer re-asks the named raylet (which must then
   * grant or reject); a rejection starts over at the local raylet. All of it counts as one
   * pending request.
   */
  private void askRaylet(SchedulingQueue q, Address at, boolean grantOrReject) {
    RequestWorkerLeaseRequest req = RequestWorkerLeaseRequest.newBuilder().setJobId(jobId)
        .putAllResources(q.key.resources()).setFunction(q.key.function()).setOwner(self)
        .setStrategy(q.key.strategy()).setGrantOrReject(grantOrReject).build();
    NodeManagerServiceGrpc.newStub(channels.get(at.getHost(), at.getPort()))
        .requestWorkerLease(req, new StreamObserver<>() {
          private boolean answered;

          @Override
          public void onNext(LeaseUpdate u) {
            if (u.hasGrant()) {
              answered = true;
              granted(q, u, at);
            } else if (u.hasSpillback()) {
              answered = true;
              followSpillback(q, u.getSpillback());
            } else if (u.hasRejected()) {
              answered = true;
              rejected(q, u.getRejected());
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

  private synchronized void followSpillback(SchedulingQueue q, Address to) {
    if (shutdown || rayletDead != null) {
      q.pendingLeaseRequests--;
      return;
    }
    askRaylet(q, to, true);
  }

  private synchronized void rejected(SchedulingQueue q, String why) {
    LOG.debug("lease request rejected after spillback ({}); asking the local raylet again", why);
    if (shutdown || rayletDead != null) {
      q.pendingLeaseRequests--;
      return;
    }
    askRaylet(q, raylet, false);
  }

  private synchronized void warnInfeasible(SchedulingQueue q, String message) {
    if (!q.infeasibleWarned) {
      q.infeasibleWarned = true;
      LOG.warn("A task cannot be scheduled right now: {}", message);
    }
  }

  private synchronized void leaseFailed(SchedulingQueue q, Status s) {
    q.pendingLeaseRequests--;
    if (shutdown || rayletDead != null) {
      return;
    }
    if (s.getCode() == Status.Code.ABORTED || s.getCode() == Status.Code.INVALID_ARGUMENT
        || s.getCode() == Status.Code.FAILED_PRECONDITION) {
      LOG.warn("lease request refused: {} {}", s.getCode(), s.getDescription());
      failQueued(q, ErrorInfo.Type.TASK_UNSCHEDULABLE, "the raylet refused the lease: " + s.getDescription());
    } else if (!q.retryScheduled) {
      // one retry (and one log line) per queue, however many requests failed
      LOG.warn("lease request failed: {} {}; retrying in 1 s", s.getCode(), s.getDescription());
      q.retryScheduled = true;
      loop.schedule(() -> pumpLater(q), 1000);
    }
  }

  private synchronized void pumpLater(SchedulingQueue q) {
    q.retryScheduled = false;
    pump(q);
  }

  private synchronized void granted(SchedulingQueue q, LeaseUpdate u, Address grantedBy) {
    q.pendingLeaseRequests--;
    LeasedWorker w = new LeasedWorker(u.getGrant().getLeaseId(), u.getGrant().getWorker(), grantedBy, q);
    if (shutdown) {
      returnLease(w, false);
      return;
    }
    if (q.ready.isEmpty()) {
      returnLease(w, false); // the work went elsewhere meanwhile
      return;
    }
    w.stream = CoreWorkerServiceGrpc.newStub(channels.get(w.worker.getHost(), w.worker.getPort()))
        .pushTasks(new ClientResponseObserver<PushTaskRequest, PushTaskReply>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<PushTaskRequest> s) {}

          @Override
          public void onNext(PushTaskReply reply) {
            results(w, reply.getResultsList());
          }

          @Override
          public void onError(Throwable t) {
            workerLost(w, Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            workerLost(w, Status.UNAVAILABLE.withDescription("worker closed the stream"));
          }
        });
    w.lastActiveNanos = System.nanoTime();
    q.leases.add(w);
    pump(q);
  }

  private synchronized void results(LeasedWorker w, List<TaskResult> results) {
    for (TaskResult r : results) {
      PendingTask t = w.inflight.remove(r.getTaskId());
      if (t == null) {
        dropHandoffs(r);
        continue;
      }
      if (r.hasError()) {
        ErrorInfo e = r.getError();
        if (e.getType() == ErrorInfo.Type.TASK_EXCEPTION && t.spec.getRetryExceptions() && t.canRetry()) {
          t.attempt++;
          LOG.info("task {} ({}) threw {}; retry {} of {}", TaskId.fromBytes(t.spec.getTaskId().toByteArray()),
              t.functionName, e.getClassName(), t.attempt, t.spec.getMaxRetries());
          w.queue.ready.addFirst(t);
          continue;
        }
        if (e.getType() == ErrorInfo.Type.OBJECT_LOST && !e.getLostObjectId().isEmpty()) {
          // off the monitor, and a moment later: the loss may not be known everywhere yet
          ObjectId lost = ObjectId.fromBytes(e.getLostObjectId().toByteArray());
          loop.schedule(() -> argumentLost.lost(t, lost, e), 200);
          continue;
        }
        table.complete(t.returnId, ObjectValue.failed(e));
      } else {
        // refs inside the result: held by it from now on (the task's own hold on its arguments,
        // which may be the same objects, ends with t)
        if (r.getContainedRefsCount() > 0) {
          List<io.jray.api.ObjectRef<?>> held = new ArrayList<>(r.getContainedRefsCount());
          for (io.jray.proto.ObjectReference c : r.getContainedRefsList()) {
            ObjectRefImpl<?> ref = new ObjectRefImpl<>(ObjectId.fromBytes(c.getObjectId().toByteArray()), c.getOwner());
            held.add(refs.adopt(ref, c.hasHandoff() ? Borrow.fromProtoOrNull(c.getHandoff()) : null));
          }
          table.hold(t.returnId, held);
        }
        table.complete(t.returnId, r.hasStored() ? ObjectValue.inStore(r.getStored())
            : ObjectValue.of(r.getValue().toByteArray()));
      }
    }
    pump(w.queue);
  }

  private void dropHandoffs(TaskResult r) {
    for (io.jray.proto.ObjectReference c : r.getContainedRefsList()) {
      Borrow b = c.hasHandoff() ? Borrow.fromProtoOrNull(c.getHandoff()) : null;
      if (b != null) {
        refs.ignored(c.getOwner(), ObjectId.fromBytes(c.getObjectId().toByteArray()), b);
      }
    }
  }

  private synchronized void workerLost(LeasedWorker w, Status why) {
    if (w.closed) {
      return;
    }
    w.closed = true;
    w.queue.leases.remove(w);
    if (!w.inflight.isEmpty()) {
      LOG.warn("{} failed with {} tasks in flight: {} {}", w, w.inflight.size(), why.getCode(), why.getDescription());
    }
    List<PendingTask> retry = new ArrayList<>();
    for (PendingTask t : w.inflight.values()) {
      if (t.canRetry()) {
        t.attempt++;
        LOG.info("task {} ({}) is retried (attempt {} of max {} retries) after its worker died",
            TaskId.fromBytes(t.spec.getTaskId().toByteArray()), t.functionName, t.attempt, t.spec.getMaxRetries());
        retry.add(t);
      } else {
        // The worker may have sealed the return in the store before dying: nobody will read it.
        orphanedReturn.accept(t.returnId);
        table.complete(t.returnId, ObjectValue.failed(RemoteErrors.of(ErrorInfo.Type.WORKER_CRASHED,
            "the worker running task " + t.functionName + " (attempt " + (t.attempt + 1) + ") died: "
                + why.getCode() + (why.getDescription() == null ? "" : " " + why.getDescription())
                + "; no retries left (maxRetries=" + t.spec.getMaxRetries() + ")", t.functionName)));
      }
    }
    w.inflight.clear();
    for (int i = retry.size() - 1; i >= 0; i--) {
      w.queue.ready.addFirst(retry.get(i));
    }
    sendReturn(w, true);
    pump(w.queue);
  }

  private void returnLease(LeasedWorker w, boolean failed) {
    w.closed = true;
    w.queue.leases.remove(w);
    if (w.stream != null) {
      try {
        w.stream.onCompleted();
      } catch (RuntimeException ignored) {
        // already broken: the raylet learns from the return below
      }
    }
    sendReturn(w, failed);
  }

  private void sendReturn(LeasedWorker w, boolean failed) {
    NodeManagerServiceGrpc.newStub(channels.get(w.raylet.getHost(), w.raylet.getPort())).returnWorker(
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

  private void failQueued(SchedulingQueue q, ErrorInfo.Type type, String message) {
    while (!q.ready.isEmpty()) {
      PendingTask t = q.ready.poll();
      fail(t, RemoteErrors.of(type, message, t.functionName));
    }
  }

  /**
   * The local raylet's node was marked DEAD: no lease can be had any more, so every queued task
   * fails now (and every later submit at once) instead of waiting forever. Tasks in flight on its
   * workers died with them.
   */
  synchronized void rayletDied(String reason) {
    if (rayletDead != null || shutdown) {
      return;
    }
    rayletDead = reason;
    LOG.error("{}: failing every queued and running task", reason);
    for (SchedulingQueue q : queues.values()) {
      failQueued(q, ErrorInfo.Type.TASK_UNSCHEDULABLE, reason);
      for (LeasedWorker w : List.copyOf(q.leases)) {
        for (PendingTask t : w.inflight.values()) {
          fail(t, RemoteErrors.of(ErrorInfo.Type.WORKER_CRASHED, reason + " while task " + t.functionName
              + " ran there", t.functionName));
        }
        w.inflight.clear();
        w.closed = true;
      }
      q.leases.clear();
    }
  }

  /** Returns every lease and fails what has not run. */
  synchronized void shutdown() {
    shutdown = true;
    for (SchedulingQueue q : queues.values()) {
      failQueued(q, ErrorInfo.Type.SYSTEM_ERROR, "JRay was shut down before the task ran");
      for (LeasedWorker w : List.copyOf(q.leases)) {
        for (PendingTask t : w.inflight.values()) {
          fail(t, RemoteErrors.of(ErrorInfo.Type.SYSTEM_ERROR, "JRay was shut down while the task ran",
              t.functionName));
        }
        returnLease(w, false);
      }
    }
  }

  static ObjectId returnIdOf(TaskId id) {
    return ObjectId.forReturn(id, 0);
  }
}
