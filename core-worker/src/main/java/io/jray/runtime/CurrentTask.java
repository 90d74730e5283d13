package io.jray.runtime;

import io.jray.api.TaskId;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The task this process is running now, or its root task when none runs (a driver always, a
 * worker between tasks). Puts and submits made inside a task take their ids from it, and a worker
 * lends its CPU back to the raylet only while inside one. It also says whether the running task
 * was cancelled recursively: whatever it submits after that is cancelled at once, so a child
 * submitted while the cancel looks for the task's children cannot slip through.
 *
 * <p>Threads: a task's own thread sees its task (a thread-local: an actor with
 * {@code maxConcurrency > 1} runs several at once on a pool); any other thread (one the task
 * started, say) sees the task entered last while any runs. The cancel mark is for the task of
 * {@code task-executor}, written under the {@link TaskReceiver}'s lock (the calls of a concurrent
 * actor are not interrupted by a cancel).
 */
final class CurrentTask {
  private final TaskId root = TaskId.random();
  private final ThreadLocal<TaskId> onThread = new ThreadLocal<>();
  private final AtomicInteger running = new AtomicInteger();
  private volatile TaskId last = root;
  private volatile boolean cancelled;

  TaskId id() {
    TaskId t = onThread.get();
    return t != null ? t : last;
  }

  /** True while a pushed task runs (never in a driver). */
  boolean inTask() {
    return running.get() > 0;
  }

  void enter(TaskId id) {
    cancelled = false;
    onThread.set(id);
    last = id;
    running.incrementAndGet();
  }

  void exit() {
    onThread.remove();
    if (running.decrementAndGet() == 0) {
      last = root;
    }
    cancelled = false;
  }

  /** The running task was cancelled with {@code recursive}. */
  void cancelled() {
    cancelled = true;
  }

  /** True if {@code id} is the running task and it was cancelled with {@code recursive}. */
  boolean cancelled(TaskId id) {
    return cancelled && last.equals(id);
  }
}
