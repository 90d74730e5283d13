package io.jray.runtime;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * Collects garbage when a worker goes idle while borrowing objects. A borrow ends only when the
 * GC has found the worker's last ref to the object unreachable, and an idle JVM may not collect
 * for hours: without this, a finished task's arguments would keep their objects alive at the
 * owner. A few rounds, since a freed entry can release refs that need another collection (a
 * nested task's result held the refs of its arguments); never more than once a second.
 */
final class IdleCollector {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(IdleCollector.class);
  private static final long DELAY_MS = 100;
  private static final long MIN_GAP_MS = 1000;
  private static final int ROUNDS = 3;

  private final ScheduledExecutorService timer;
  private final IntSupplier borrowed;
  /** Borrowed plus owned objects: a round that freed any may have let more refs go. */
  private final IntSupplier held;
  private final BooleanSupplier idle;
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private volatile long lastNanos;

  IdleCollector(ScheduledExecutorService timer, IntSupplier borrowed, IntSupplier held, BooleanSupplier idle) {
    this.timer = timer;
    this.borrowed = borrowed;
    this.held = held;
    this.idle = idle;
  }

  /** The worker has no task to run now. */
  void wentIdle() {
    if (borrowed.getAsInt() > 0 && scheduled.compareAndSet(false, true)) {
      long sinceLast = (System.nanoTime() - lastNanos) / 1_000_000;
      timer.schedule(() -> collect(ROUNDS), Math.max(DELAY_MS, MIN_GAP_MS - sinceLast), TimeUnit.MILLISECONDS);
    }
  }

  private void collect(int roundsLeft) {
    int before = held.getAsInt();
    if (borrowed.getAsInt() == 0 || !idle.getAsBoolean()) {
      scheduled.set(false); // busy again: the next idle moment schedules anew
      return;
    }
    System.gc();
    lastNanos = System.nanoTime();
    timer.schedule(() -> {
      int after = held.getAsInt();
      LOG.debug("idle collection: {} objects owned or borrowed, then {}", before, after);
      if (borrowed.getAsInt() > 0 && after < before && roundsLeft > 1) {
        collect(roundsLeft - 1);
      } else {
        scheduled.set(false);
      }
    }, DELAY_MS, TimeUnit.MILLISECONDS);
  }
}
