package io.jray.runtime;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jray.api.ObjectId;
import io.jray.api.ObjectRef;
import io.jray.api.TaskId;
import io.jray.common.grpc.ChannelPool;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.CancelTaskReply;
import io.jray.proto.CancelTaskRequest;
import io.jray.proto.CoreWorkerServiceGrpc;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code JRay.cancel} (DESIGN §4 step 7). At the owner: the task is marked CANCELLED in the
 * {@link TaskManager} first (its return object fails with TASK_CANCELLED at once, and no result,
 * retry or failure can change that any more), then the part holding it takes it back: the
 * resolver drops it when its arguments arrive, a {@link TaskSubmitter} takes it out of its queue or
 * tells the worker it was pushed to. A process that only holds a ref asks the owner
 * ({@code CancelTask}). The worker running a task cancelled recursively cancels, as their owner,
 * the tasks it submitted while running it ({@link #cancelChildren}).
 *
 * <p>Threads: any (user threads, the gRPC threads of {@code CancelTask} and of a push stream
 * carrying a cancel). No state of its own; each part it calls guards its own.
 */
final class TaskCanceller {
  private static final Logger LOG = LoggerFactory.getLogger(TaskCanceller.class);
  private static final long OWNER_CALL_SECONDS = 30;

  private final TaskManager tasks;
  private final List<TaskSubmitter> submitters;
  private final ChannelPool channels;
  private final byte[] self;

  /** {@code submitters}: every part that may hold a resolved task, asked in turn. */
  TaskCanceller(TaskManager tasks, List<TaskSubmitter> submitters, ChannelPool channels, ByteString selfWorkerId) {
    this.tasks = tasks;
    this.submitters = List.copyOf(submitters);
    this.channels = channels;
    this.self = selfWorkerId.toByteArray();
  }

  /** The API call: here if this process owns {@code ref}, else at its owner. */
  void cancel(ObjectRef<?> ref, boolean force, boolean recursive) {
    if (!(ref instanceof ObjectRefImpl<?> r)) {
      throw new IllegalArgumentException("not a ref JRay made: " + ref.getClass().getName());
    }
    if (r.ownedBy(self)) {
      cancelOwned(r.id(), force, recursive);
      return;
    }
    CancelTaskRequest req = CancelTaskRequest.newBuilder().setObjectId(ProtoIds.bytes(r.id())).setForce(force)
        .setRecursive(recursive).build();
    try {
      CancelTaskReply reply = CoreWorkerServiceGrpc.newBlockingStub(channels.get(r.owner()))
          .withDeadlineAfter(OWNER_CALL_SECONDS, TimeUnit.SECONDS).cancelTask(req);
      LOG.info("cancel of task {} sent to its owner {}: {}", r.id().taskId(), r.ownerWorkerId(), reply.getOutcome());
    } catch (StatusRuntimeException e) {
      Status s = e.getStatus();
      if (s.getCode() == Status.Code.INVALID_ARGUMENT) {
        throw new IllegalArgumentException(s.getDescription(), e);
      }
      if (s.getCode() == Status.Code.UNAVAILABLE) {
        // the task ended with its owner: get raises OwnerDiedException, and there is nothing to stop
        LOG.warn("cancel of task {}: its owner {} cannot be reached ({}); nothing to cancel", r.id().taskId(),
            r.ownerWorkerId(), s.getDescription());
        return;
      }
      throw new io.jray.api.exception.JRayException("cancel of task " + r.id().taskId() + ": its owner "
          + r.ownerWorkerId() + " answered " + s.getCode() + " " + s.getDescription(), e);
    }
  }

  /**
   * Cancels the task that makes {@code returnId}, owned here (the API, or another process's
   * {@code CancelTask}). Throws {@link IllegalArgumentException} for a forced cancel of an actor
   * call.
   */
  CancelOutcome cancelOwned(ObjectId returnId, boolean force, boolean recursive) {
    TaskId id = returnId.taskId();
    PendingTask t = tasks.get(id);
    if (t != null) {
      CancelOutcome o = cancel(t, force, recursive);
      if (o != null) {
        return o;
      }
    }
    if (force) {
      for (TaskSubmitter s : submitters) {
        if (s.forceAgain(ProtoIds.bytes(id), recursive)) {
          LOG.info("cancel task {} (force): still running after an earlier cancel; its worker is told to exit", id);
          return CancelOutcome.SENT_TO_WORKER;
        }
      }
    }
    LOG.info("cancel task {}: it had finished or was cancelled already; nothing changed", id);
    return CancelOutcome.FINISHED;
  }

  /**
   * Cancels {@code t}; null if it had an outcome already. The cancel is decided by the
   * {@link TaskManager} before any part is asked, so a part about to run it sees it cancelled.
   */
  private CancelOutcome cancel(PendingTask t, boolean force, boolean recursive) {
    if (force && t.actorCall) {
      throw new IllegalArgumentException("task " + t.functionName + " is an actor call: force=true is not"
          + " supported for actor calls (it would kill the actor); cancel it without force");
    }
    TaskState was = tasks.cancel(t);
    if (was == null) {
      return null;
    }
    CancelOutcome outcome = null;
    if (was != TaskState.PENDING_ARGS) { // a task still resolving is with no submitter yet
      for (TaskSubmitter s : submitters) {
        outcome = s.cancel(t, force, recursive);
        if (outcome != null) {
          break;
        }
      }
    }
    String what;
    if (outcome != null) {
      what = outcome == CancelOutcome.REMOVED ? "removed from its queue, it never runs" : "sent to its worker";
    } else if (was == TaskState.RUNNING) {
      // its worker had just answered (or died) and that is being applied: it loses to the cancel
      outcome = CancelOutcome.RESULT_DROPPED;
      what = "its worker's answer, on its way in, is dropped";
    } else {
      // resolving its arguments, or between two parts (a retry on its way back to its queue):
      // the part that has it next sees it cancelled and drops it
      outcome = CancelOutcome.REMOVED;
      what = was == TaskState.PENDING_ARGS ? "dropped while it waits for its arguments, it never runs"
          : "dropped on its way back to its queue, it runs no more";
    }
    LOG.info("cancel task {} ({}{}{}): {}", ProtoIds.taskId(t.taskId), t.functionName, force ? ", force" : "",
        recursive ? ", recursive" : "", what);
    return outcome;
  }

  /**
   * Task {@code parent}, running here, was cancelled recursively: the unfinished tasks it
   * submitted are cancelled too, with {@code force}, and recursively in turn.
   */
  void cancelChildren(ByteString parent, boolean force) {
    for (PendingTask child : tasks.childrenOf(parent)) {
      // an actor call among them is cancelled without force: forcing would kill the actor
      cancel(child, force && !child.actorCall, true);
    }
  }

  /** {@code t} was just submitted by a task that was cancelled recursively a moment before: it never runs. */
  void submittedByCancelled(PendingTask t) {
    cancel(t, false, true);
  }
}
