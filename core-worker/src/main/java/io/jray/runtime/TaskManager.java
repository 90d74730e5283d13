package io.jray.runtime;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.jray.api.ObjectId;
import io.jray.api.ObjectRef;
import io.jray.api.TaskId;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.ErrorInfo;
import io.jray.proto.ObjectReference;
import io.jray.proto.TaskResult;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tasks this process submitted and has not seen finish (DESIGN §5), indexed by task id, each
 * with its {@link TaskState}; and what their outcomes mean: a result completes the return object
 * (adopting the refs it contains), a task exception or a dead worker is retried while the task's
 * budget allows, a lost argument goes to {@link ObjectRecovery}, anything else fails the return
 * object with its error; a cancel ends the task at once ({@link TaskCanceller}). Submitters
 * (normal tasks, and actor calls) decide where a task runs; this decides what its outcome
 * does.
 *
 * <p>Threads: any, and no monitor. The index is a concurrent map; a task's own fields are touched
 * by one part at a time (see {@link PendingTask}), except its state: the first part to move it to a
 * final state (a result, a failure, a cancel from any thread) decides the outcome, and the others
 * drop what they had. Outcomes are applied on the thread that delivered them (a gRPC thread for
 * results), never under a submitter's monitor, because completing a return object runs its
 * waiters' callbacks in place. The {@code submitter} loop's timer delays the reaction to a lost
 * argument.
 */
final class TaskManager {
  private static final Logger LOG = LoggerFactory.getLogger(TaskManager.class);
  /** The loss may not be known everywhere at once: the owner reacts a moment later. */
  private static final long ARGUMENT_LOST_DELAY_MS = 200;

  /** Told when a task could not run because one of its stored arguments could not be fetched. */
  interface ArgumentLost {
    void lost(PendingTask t, ObjectId argument, ErrorInfo error);
  }

  private final ConcurrentHashMap<ByteString, PendingTask> tasks = new ConcurrentHashMap<>();
  private final OwnershipTable table;
  private final ReferenceCounter refs;
  private final StoredObjects stored;
  private final EventLoop timers;
  private final ArgumentLost argumentLost;
  private volatile TaskEventBuffer events;

  TaskManager(OwnershipTable table, ReferenceCounter refs, StoredObjects stored, EventLoop timers,
      ArgumentLost argumentLost) {
    this.table = table;
    this.refs = refs;
    this.stored = stored;
    this.timers = timers;
    this.argumentLost = argumentLost;
  }

  static ObjectId returnIdOf(TaskId id) {
    return ObjectId.forReturn(id, 0);
  }

  /** A task was submitted (or is made again from its lineage): it waits for its arguments. */
  void add(PendingTask t) {
    tasks.put(t.taskId, t);
    TaskEventBuffer e = events;
    if (e != null) {
      if (e.admit()) {
        t.events = e;
        e.moved(t, TaskState.PENDING_ARGS, null, false, null);
      } else {
        t.failuresTo = e;
      }
    }
  }

  /** Task transitions go to {@code buffer} from now on (set once at start; null: not reported). */
  void reportTo(TaskEventBuffer buffer) {
    events = buffer;
  }

  /** Its arguments are known: it is queued for a worker. False if it was cancelled meanwhile: it must not be queued. */
  boolean submitted(PendingTask t) {
    return t.moveTo(TaskState.SUBMITTED);
  }

  /**
   * It is being pushed to a worker (called under the submitter's monitor: one compare-and-set).
   * False if it was cancelled: it must not be pushed.
   */
  boolean running(PendingTask t, io.jray.proto.Address worker) {
    return t.pushedTo(worker);
  }

  /** The unfinished task with this id, or null (cancel, status). */
  PendingTask get(TaskId id) {
    return tasks.get(ProtoIds.bytes(id));
  }

  /**
   * The unfinished tasks submitted while task {@code parent} ran in this process (a recursive
   * cancel of it). A scan: cancels are rare, and the table holds only unfinished tasks.
   */
  List<PendingTask> childrenOf(ByteString parent) {
    List<PendingTask> out = new ArrayList<>();
    for (PendingTask t : tasks.values()) {
      if (t.parentTaskId.equals(parent)) {
        out.add(t);
      }
    }
    return out;
  }

  /**
   * {@code JRay.cancel} of {@code t}: it ends CANCELLED unless another outcome was decided first.
   * Returns the state it was cancelled in (so the canceller knows where to look for it), or null
   * if it had an outcome already and nothing changed. From now on its return object holds
   * TASK_CANCELLED, so {@code get} raises {@code TaskCancelledException} even if a result is on
   * its way; the part holding the task takes it back afterwards.
   */
  TaskState cancel(PendingTask t) {
    TaskState was = t.advance(TaskState.CANCELLED);
    if (was == null) {
      return null;
    }
    tasks.remove(t.taskId, t);
    finished(t);
    table.complete(t.returnId, ObjectValue.failed(RemoteErrors.of(ErrorInfo.Type.TASK_CANCELLED, "task "
        + t.functionName + " (" + ProtoIds.taskId(t.taskId) + ") was cancelled", t.functionName)));
    return was;
  }

  /** Unfinished tasks by state (status, metrics). */
  Map<TaskState, Integer> countByState() {
    Map<TaskState, Integer> out = new EnumMap<>(TaskState.class);
    for (PendingTask t : tasks.values()) {
      out.merge(t.state(), 1, Integer::sum);
    }
    return out;
  }

  int size() {
    return tasks.size();
  }

  /**
   * A worker returned {@code r} for {@code t}. Returns true when the task is to run again (a
   * retriable exception): the caller queues it; otherwise the task is done or handed over.
   */
  boolean onResult(PendingTask t, TaskResult r) {
    if (r.hasError()) {
      ErrorInfo e = r.getError();
      if (e.getType() == ErrorInfo.Type.TASK_EXCEPTION && t.spec.getRetryExceptions() && t.canRetry()
          && t.moveTo(TaskState.SUBMITTED)) {
        t.attempt++;
        LOG.info("task {} ({}) threw {}; retry {} of {}", ProtoIds.taskId(t.taskId), t.functionName,
            e.getClassName(), t.attempt, t.spec.getMaxRetries());
        return true;
      }
      if (e.getType() == ErrorInfo.Type.RUNTIME_FAILURE) {
        // the worker's machinery failed, not the task: a worker failure, retried as one
        return onWorkerDied(t, Status.UNAVAILABLE.withDescription(e.getMessage()));
      }
      if (e.getType() == ErrorInfo.Type.OBJECT_LOST && !e.getLostObjectId().isEmpty()
          && t.moveTo(TaskState.PENDING_ARGS)) {
        ObjectId lost = ProtoIds.objectId(e.getLostObjectId());
        timers.schedule(() -> argumentLost.lost(t, lost, e), ARGUMENT_LOST_DELAY_MS);
        return false;
      }
      fail(t, e); // changes nothing for a task cancelled meanwhile
      return false;
    }
    if (!finish(t, TaskState.FINISHED)) {
      discard(t, r); // cancelled before its result came: the value is nobody's
      return false;
    }
    // refs inside the result: held by it from now on (the task's own hold on its arguments,
    // which may be the same objects, ends with t)
    if (r.getContainedRefsCount() > 0) {
      List<ObjectRef<?>> held = new ArrayList<>(r.getContainedRefsCount());
      for (ObjectReference c : r.getContainedRefsList()) {
        ObjectRefImpl<?> ref = new ObjectRefImpl<>(ProtoIds.objectId(c.getObjectId()), c.getOwner());
        held.add(refs.adopt(ref, c.hasHandoff() ? Borrow.fromProtoOrNull(c.getHandoff()) : null));
      }
      table.hold(t.returnId, held);
    }
    if (r.hasStored() && !t.actorCall) {
      // a store copy can be lost, and is then made again from this; an inline value cannot be
      // (actor calls are never re-executed from lineage: the actor's state moved on since)
      table.setLineage(t.returnId, new Lineage(t.spec, t.storedArgs == null ? List.of() : t.storedArgs,
          t.functionName));
    }
    table.complete(t.returnId, r.hasStored() ? ObjectValue.inStore(r.getStored())
        : ObjectValue.of(r.getValue().toByteArray()));
    return false;
  }

  /** The result of a task whose outcome was decided otherwise (cancelled): its refs and stored copy go. */
  void discard(PendingTask t, TaskResult r) {
    onUnexpectedResult(r);
    if (r.hasStored()) {
      stored.orphaned(t.returnId);
    }
  }

  /** A result for no task in flight (a retry's duplicate): the borrows made for it end. */
  void onUnexpectedResult(TaskResult r) {
    for (ObjectReference c : r.getContainedRefsList()) {
      Borrow b = c.hasHandoff() ? Borrow.fromProtoOrNull(c.getHandoff()) : null;
      if (b != null) {
        refs.dropHandoff(c.getOwner(), ProtoIds.objectId(c.getObjectId()), b);
      }
    }
  }

  /**
   * The worker running {@code t} died ({@code why}). Returns true when the task is to run again;
   * otherwise it failed with {@code WorkerCrashedException}.
   */
  boolean onWorkerDied(PendingTask t, Status why) {
    if (t.canRetry() && t.moveTo(TaskState.SUBMITTED)) {
      t.attempt++;
      LOG.info("task {} ({}) is retried (attempt {} of max {} retries) after its worker died",
          ProtoIds.taskId(t.taskId), t.functionName, t.attempt, t.spec.getMaxRetries());
      return true;
    }
    // The worker may have sealed the return in the store before dying: nobody will read it.
    stored.orphaned(t.returnId);
    fail(t, RemoteErrors.of(ErrorInfo.Type.WORKER_CRASHED, "the worker running task " + t.functionName
        + " (attempt " + (t.attempt + 1) + ") died: " + why.getCode()
        + (why.getDescription() == null ? "" : " " + why.getDescription()) + "; no retries left (maxRetries="
        + t.spec.getMaxRetries() + ")", t.functionName));
    return false;
  }

  /** The task cannot run or failed: its return object holds {@code error} (unless it was cancelled first). */
  void fail(PendingTask t, ErrorInfo error) {
    if (finish(t, TaskState.FAILED, error)) {
      if (t.onFail != null) {
        t.onFail.accept(error);
        return;
      }
      table.complete(t.returnId, ObjectValue.failed(error));
    }
  }

  /** Moves {@code t} to its final state and out of the table; false if another outcome came first. */
  private boolean finish(PendingTask t, TaskState end) {
    return finish(t, end, null);
  }

  private boolean finish(PendingTask t, TaskState end, ErrorInfo error) {
    if (!t.moveTo(end, error)) {
      return false;
    }
    tasks.remove(t.taskId, t);
    finished(t);
    return true;
  }

  /** The task reached its final state: what waits for that (an actor call's slot) is told. */
  private static void finished(PendingTask t) {
    Runnable r = t.onFinish;
    if (r != null) {
      r.run();
    }
  }
}
