package io.jray.runtime;

import io.jray.api.ObjectId;
import io.jray.proto.TaskSpec;

/** A submitted task that has not finished: its spec (with resolved arguments) and retry budget. */
final class PendingTask {
  final TaskSpec spec;
  final ObjectId returnId;
  final String functionName;
  /** ObjectRefs of stored arguments: held so the objects outlive the task (submitted-task refs). */
  final java.util.List<io.jray.api.ObjectRef<?>> keepAlive;
  int attempt;

  PendingTask(TaskSpec spec, ObjectId returnId, String functionName, java.util.List<io.jray.api.ObjectRef<?>> keepAlive) {
    this.spec = spec;
    this.returnId = returnId;
    this.functionName = functionName;
    this.keepAlive = keepAlive;
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
