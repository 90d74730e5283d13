package io.jray.common.concurrent;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that owns a component's state (DESIGN §10). Everything that reads or changes that
 * state is submitted here, so the state needs no locks and every transition happens in one place.
 * A task that throws is logged and the loop goes on: one bad message must not stop a component.
 */
public final class EventLoop implements Executor, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);

  private final ExecutorService executor;
  private final ScheduledExecutorService timer;
  private volatile Thread thread;

  public EventLoop(String name) {
    this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          thread = t;
          return t;
        });
    this.timer = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, name + "-timer");
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public void execute(Runnable task) {
    if (executor.isShutdown()) {
      LOG.debug("event loop is closed; dropping a task");
      return;
    }
    executor.execute(() -> {
      try {
        task.run();
      } catch (Throwable t) {
        LOG.error("unexpected error on event loop {}", Thread.currentThread().getName(), t);
      }
    });
  }

  /** True when called from this loop's thread. */
  public boolean inLoop() {
    return Thread.currentThread() == thread;
  }

  /** Runs {@code task} on the loop after {@code delayMs}. */
  public ScheduledFuture<?> schedule(Runnable task, long delayMs) {
    return timer.schedule(() -> execute(task), delayMs, TimeUnit.MILLISECONDS);
  }

  /** Runs {@code task} on the loop every {@code periodMs}. */
  public ScheduledFuture<?> every(Runnable task, long periodMs) {
    return timer.scheduleWithFixedDelay(() -> execute(task), periodMs, periodMs, TimeUnit.MILLISECONDS);
  }

  /** The loop's timer, for APIs that take a scheduler (tasks run on the timer thread, not the loop). */
  public ScheduledExecutorService timer() {
    return timer;
  }

  @Override
  public void close() {
    timer.shutdownNow();
    executor.shutdown();
  }
}
