package io.jray.runtime;

import io.jray.api.ObjectId;
import io.jray.proto.TaskSpec;

/** A submitted task that has not finished: its spec (with resolved arguments) and retry budget. */
final class PendingTask {
  final TaskSpec spec;
  final ObjectId returnId;
  final String functionName;
  /**
   * ObjectRefs of stored arguments by argument index (null for inline ones), or null when there
   * are none: held so the objects outlive the task (submitted-task refs), and to resolve them
   * again when one is lost.
   */
  final java.util.List<io.jray.api.ObjectRef<?>> storedArgs;
  /**
   * Refs inside the inline arguments: the worker registers as their borrower while it decodes
   * them, so they must live until then even if the caller drops the task's result at once.
   */
  final java.util.List<io.jray.api.ObjectRef<?>> heldRefs;
  int attempt;
  /** Times the task was sent again because an argument was lost and made again. */
  int argumentLosses;

  PendingTask(TaskSpec spec, ObjectId returnId, String functionName,
      java.util.List<io.jray.api.ObjectRef<?>> storedArgs, java.util.List<io.jray.api.ObjectRef<?>> heldRefs) {
    this.spec = spec;
    this.heldRefs = heldRefs;
    this.returnId = returnId;
    this.functionName = functionName;
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
