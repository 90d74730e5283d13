package io.jray.runtime;

import io.jray.api.ActorId;
import io.jray.api.JobId;
import io.jray.api.ObjectId;
import io.jray.api.TaskId;
import io.jray.api.WorkerId;
import io.jray.proto.TaskArg;
import io.jray.proto.TaskSpec;

/**
 * What a pushed task spec must carry before the executor takes it: every id it reads at the
 * right length, a function to call, and well-formed arguments. A spec the executor cannot read
 * would fail on {@code task-executor}, where no one answers its caller.
 */
final class PushedTaskCheck {
  private PushedTaskCheck() {}

  /** Why {@code s} cannot run, or null when it can. */
  static String problem(TaskSpec s) {
    if (s.getTaskId().size() != TaskId.SIZE) {
      return "task_id must be " + TaskId.SIZE + " bytes, got " + s.getTaskId().size();
    }
    if (s.getJobId().size() != JobId.SIZE) {
      return "job_id must be " + JobId.SIZE + " bytes, got " + s.getJobId().size();
    }
    if (s.getReturnObjectId().size() != ObjectId.SIZE) {
      return "return_object_id must be " + ObjectId.SIZE + " bytes, got " + s.getReturnObjectId().size();
    }
    if (!s.getActorId().isEmpty() && s.getActorId().size() != ActorId.SIZE) {
      return "actor_id must be empty or " + ActorId.SIZE + " bytes, got " + s.getActorId().size();
    }
    if (s.getOwner().getWorkerId().size() != WorkerId.SIZE) {
      return "owner.worker_id must be " + WorkerId.SIZE + " bytes, got " + s.getOwner().getWorkerId().size();
    }
    if (s.getFunction().getClassName().isBlank() || s.getFunction().getMethodName().isBlank()) {
      return "function must name a class and a method";
    }
    if (s.getAttempt() < 0) {
      return "attempt must be >= 0, got " + s.getAttempt();
    }
    for (int i = 0; i < s.getArgsCount(); i++) {
      TaskArg a = s.getArgs(i);
      if (a.getKindCase() == TaskArg.KindCase.KIND_NOT_SET) {
        return "args[" + i + "] has neither a value nor a reference";
      }
      if (a.hasReference() && (a.getReference().getObjectId().size() != ObjectId.SIZE
          || a.getReference().getOwner().getWorkerId().size() != WorkerId.SIZE)) {
        return "args[" + i + "].reference must name a " + ObjectId.SIZE + "-byte object and its owner's "
            + WorkerId.SIZE + "-byte worker id";
      }
    }
    return null;
  }
}
