package io.jray.runtime;

import com.google.protobuf.ByteString;
import io.jray.api.ObjectId;
import io.jray.api.ObjectRef;
import io.jray.proto.TaskSpec;
import java.util.List;

/**
 * A submitted task that has not finished: its spec (once its arguments are resolved), the refs
 * it holds, its retry budget and its {@link TaskState}.
 *
 * <p>Threads: a task is handled by one part at a time (the {@link DependencyResolver} until its
 * arguments are known, then the submitter, under its monitor, until a result or a failure reaches
 * the {@link TaskManager}), and each hand-over passes through a monitor or a future, so the plain
 * fields need no lock of their own. {@link #state} is volatile because the task table is read by
 * other threads (status, cancel).
 */
final class PendingTask {
  /** The task id as the spec carries it: the key of the task table and of a worker's in-flight map. */
  final ByteString taskId;
  final ObjectId returnId;
  final String functionName;
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
  volatile TaskState state = TaskState.PENDING_ARGS;
  /** Run once when the task finishes, whatever the outcome (an actor call frees its slot); or null. */
  Runnable onFinish;
  /** For an actor's creation: told instead of a return object when its arguments failed; or null. */
  java.util.function.Consumer<io.jray.proto.ErrorInfo> onFail;

  PendingTask(ByteString taskId, ObjectId returnId, String functionName, List<ObjectRef<?>> heldRefs) {
    this.taskId = taskId;
    this.returnId = returnId;
    this.functionName = functionName;
    this.heldRefs = heldRefs;
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
