package io.jray.runtime;

import com.google.protobuf.ByteString;

/**
 * A part that takes resolved tasks to workers: {@link NormalTaskSubmitter} for normal tasks, and
 * the actor submitter for actor calls. What {@link TaskCanceller} asks of each; it asks them in
 * turn, and the one holding the task answers.
 *
 * <p>Threads: any caller, holding no monitor. An implementation decides under its own lock and
 * makes its calls out (stream writes) after releasing it.
 */
interface TaskSubmitter {
  /**
   * {@code t} is CANCELLED already (see {@link TaskManager#cancel}): takes it out of its queue
   * ({@link CancelOutcome#REMOVED}), or tells the worker it was pushed to
   * ({@link CancelOutcome#SENT_TO_WORKER}: skip it, or interrupt it, or exit with {@code force};
   * with {@code recursive} that worker cancels the tasks it submitted). Returns null if this part
   * does not hold {@code t}: it is still resolving its arguments, or another part has it. An
   * implementation that holds a task it is about to push must see {@link PendingTask#cancelled()}
   * and drop it instead.
   */
  CancelOutcome cancel(PendingTask t, boolean force, boolean recursive);

  /**
   * A second cancel, with {@code force}, of task {@code taskId}, cancelled already but still running
   * on a worker from here (its code ignored the interrupt): that worker is told to exit. Returns
   * whether such a task was found.
   */
  boolean forceAgain(ByteString taskId, boolean recursive);
}
