package io.jray.runtime;

import io.jray.api.TaskId;

/**
 * The task this process is running now, or its root task when none runs (a driver always, a
 * worker between tasks). Puts and submits made inside a task take their ids from it, and a worker
 * lends its CPU back to the raylet only while inside one. It also says whether the running task
 * was cancelled recursively: whatever it submits after that is cancelled at once, so a child
 * submitted while the cancel looks for the task's children cannot slip through.
 *
 * <p>Threads: written by the thread that runs tasks ({@code task-executor}) and by a cancel, both
 * under the {@link TaskReceiver}'s lock; read from any thread (volatile). Tasks run one at a
 * time, so one field of each is enough.
 */
final class CurrentTask {
  private final TaskId root = TaskId.random();
  private volatile TaskId current = root;
  private volatile boolean cancelled;

  TaskId id() {
    return current;
  }

  /** True while a pushed task runs (never in a driver). */
  boolean inTask() {
    return current != root;
  }

  void enter(TaskId id) {
    cancelled = false;
    current = id;
  }

  void exit() {
    current = root;
    cancelled = false;
  }

  /** The running task was cancelled with {@code recursive}. */
  void cancelled() {
    cancelled = true;
  }

  /** True if {@code id} is the running task and it was cancelled with {@code recursive}. */
  boolean cancelled(TaskId id) {
    return cancelled && current.equals(id);
  }
}
