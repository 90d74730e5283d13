package io.jray.runtime;

import io.jray.api.TaskId;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The task this process is running now, or its root task when none runs (a driver always, a
 * worker between tasks). Puts and submits made inside a task take their ids from it, and a worker
 * lends its CPU back to the raylet only while inside one.
 *
 * <p>Threads: a task's own thread sees its task (a thread-local: an actor with
 * {@code maxConcurrency > 1} runs several at once on a pool); any other thread (one the task
 * started, say) sees the task entered last while any runs.
 */
final class CurrentTask {
  private final TaskId root = TaskId.random();
  private final ThreadLocal<TaskId> onThread = new ThreadLocal<>();
  private final AtomicInteger running = new AtomicInteger();
  private volatile TaskId last = root;

  TaskId id() {
    TaskId t = onThread.get();
    return t != null ? t : last;
  }

  /** True while a pushed task runs (never in a driver). */
  boolean inTask() {
    return running.get() > 0;
  }

  void enter(TaskId id) {
    onThread.set(id);
    last = id;
    running.incrementAndGet();
  }

  void exit() {
    onThread.remove();
    if (running.decrementAndGet() == 0) {
      last = root;
    }
  }
}
