package io.jray.runtime;

import io.jray.api.TaskId;

/**
 * The task this process is running now, or its root task when none runs (a driver always, a
 * worker between tasks). Puts and submits made inside a task take their ids from it, and a worker
 * lends its CPU back to the raylet only while inside one.
 *
 * <p>Threads: written by the thread that runs tasks ({@code task-executor}), read from any
 * thread (volatile). Tasks run one at a time, so one field is enough.
 */
final class CurrentTask {
  private final TaskId root = TaskId.random();
  private volatile TaskId current = root;

  TaskId id() {
    return current;
  }

  /** True while a pushed task runs (never in a driver). */
  boolean inTask() {
    return current != root;
  }

  void enter(TaskId id) {
    current = id;
  }

  void exit() {
    current = root;
  }
}
