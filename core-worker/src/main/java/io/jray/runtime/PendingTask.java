package io.jray.runtime;

import com.google.protobuf.ByteString;
import io.jray.api.ObjectId;
import io.jray.api.ObjectRef;
import io.jray.proto.TaskSpec;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * A submitted task that has not finished: its spec (once its arguments are resolved), the refs
 * it holds, its retry budget and its {@link TaskState}.
 *
 * <p>Threads: a task is handled by one part at a time (the {@link DependencyResolver} until its
 * arguments are known, then the submitter, under its monitor, until a result or a failure reaches
 * the {@link TaskManager}), and each hand-over passes through a monitor or a future, so the plain
 * fields need no lock of their own. {@link #state} is the exception: {@code JRay.cancel} changes it
 * from any thread while another part holds the task, so it only moves by compare-and-set, and a
 * final state (finished, failed, cancelled) never changes again: whichever part reaches one first
 * decides the task's outcome, and the others see that they lost.
 */
final class PendingTask {
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(PendingTask.class, "state", TaskState.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** The task id as the spec carries it: the key of the task table and of a worker's in-flight map. */
  final ByteString taskId;
  final ObjectId returnId;
  final String functionName;
  /** The task that was running here when this one was submitted: a recursive cancel of it reaches this one. */
  final ByteString parentTaskId;
  /** An actor call rather than a normal task: it may not be cancelled with force (that would kill the actor). */
  final boolean actorCall;
  /**
   * Refs inside the inline arguments: the worker registers as their borrower while it decodes
   * them, so they must live until then even if the caller drops the task's result at once.
   */
  final List<ObjectRef<?>> heldRefs;
  /** The spec with its arguments resolved; null while {@link TaskState#PENDING_ARGS}. */
  TaskSpec spec;
  /**
   * ObjectRefs of stored arguments by argument index (null for inline ones), or null when there
   * are none: held so the objects outlive the task (submitted-task refs), and to resolve them
   * again when one is lost.
   */
  List<ObjectRef<?>> storedArgs;
  int attempt;
  /** Times the task was sent again because an argument was lost and made again. */
  int argumentLosses;
  /** Read anywhere; written only through {@link #moveTo}. */
  private volatile TaskState state = TaskState.PENDING_ARGS;
  /** Run once when the task finishes, whatever the outcome (an actor call frees its slot); or null. */
  Runnable onFinish;
  /** For an actor's creation: told instead of a return object when its arguments failed; or null. */
  java.util.function.Consumer<io.jray.proto.ErrorInfo> onFail;
  /** Where this task's transitions are reported (set by {@link TaskManager}); null: not reported. */
  TaskEventBuffer events;
  /** Where a failure of this task is reported when its other transitions are not (past the rate); or null. */
  TaskEventBuffer failuresTo;

  /** A normal task. */
  PendingTask(ByteString taskId, ObjectId returnId, String functionName, ByteString parentTaskId,
      List<ObjectRef<?>> heldRefs) {
    this(taskId, returnId, functionName, parentTaskId, false, heldRefs);
  }

  PendingTask(ByteString taskId, ObjectId returnId, String functionName, ByteString parentTaskId, boolean actorCall,
      List<ObjectRef<?>> heldRefs) {
    this.taskId = taskId;
    this.returnId = returnId;
    this.functionName = functionName;
    this.parentTaskId = parentTaskId;
    this.actorCall = actorCall;
    this.heldRefs = heldRefs;
  }

  TaskState state() {
    return state;
  }

  /**
   * Moves to {@code next} unless the task is in a final state already; returns whether it moved.
   * A part that loses the race to a final state leaves the task alone: its outcome is decided.
   */
  boolean moveTo(TaskState next) {
    return advance(next) != null;
  }

  /** Like {@link #moveTo}, returning the state it moved from, or null if it did not move. */
  TaskState advance(TaskState next) {
    return advance(next, null);
  }

  /** Moves to FAILED (or another state) with the error that caused it, reported with the transition. */
  boolean moveTo(TaskState next, io.jray.proto.ErrorInfo error) {
    return advance(next, error, null) != null;
  }

  /** Moves to RUNNING as it is pushed to {@code worker}, whose worker and node the event names. */
  boolean pushedTo(io.jray.proto.Address worker) {
    return advance(TaskState.RUNNING, null, worker) != null;
  }

  private TaskState advance(TaskState next, io.jray.proto.ErrorInfo error) {
    return advance(next, error, null);
  }

  private TaskState advance(TaskState next, io.jray.proto.ErrorInfo error, io.jray.proto.Address worker) {
    while (true) {
      TaskState now = state;
      if (now.isDone()) {
        return null;
      }
      if (STATE.compareAndSet(this, now, next)) {
        TaskEventBuffer e = events;
        if (e != null) {
          e.moved(this, next, error, next == TaskState.SUBMITTED && now == TaskState.RUNNING, worker);
        } else if (next == TaskState.FAILED && failuresTo != null) {
          failuresTo.failedUnrecorded(this, error);
        }
        return now;
      }
    }
  }

  boolean cancelled() {
    return state == TaskState.CANCELLED;
  }

  /** The arguments are known: the task can be queued. */
  void resolved(TaskSpec spec, List<ObjectRef<?>> storedArgs) {
    this.spec = spec;
    this.storedArgs = storedArgs;
  }

  /** True while another try is allowed ({@code maxRetries} -1 means unlimited). */
  boolean canRetry() {
    int max = spec.getMaxRetries();
    return max < 0 || attempt < max;
  }

  TaskSpec specForAttempt() {
    return attempt == spec.getAttempt() ? spec : spec.toBuilder().setAttempt(attempt).build();
  }
}
