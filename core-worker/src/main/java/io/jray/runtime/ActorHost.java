package io.jray.runtime;

import io.jray.api.ActorId;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The actor this worker became (DESIGN §4 step 5): its object, its id, whether it was rebuilt
 * after a failure, and for {@code maxConcurrency > 1} the pool its calls run on (started in
 * arrival order, finishing in any order). A worker hosts at most one actor, for its whole life.
 *
 * <p>Threads: set once by {@code task-executor} after the constructor returned, then read by any
 * thread (the fields are final, the host published through a volatile field of the receiver).
 */
final class ActorHost {
  /** Calls queued for the pool beyond those running; a caller holds at most maxPendingCalls anyway. */
  private static final int POOL_QUEUE = 100_000;

  final ActorId id;
  final Object instance;
  final boolean wasRestarted;
  final int maxConcurrency;
  /** Null when calls run one at a time on {@code task-executor}. */
  final ExecutorService pool;

  ActorHost(ActorId id, Object instance, boolean wasRestarted, int maxConcurrency) {
    this.id = id;
    this.instance = instance;
    this.wasRestarted = wasRestarted;
    this.maxConcurrency = maxConcurrency;
    if (maxConcurrency > 1) {
      AtomicInteger n = new AtomicInteger();
      this.pool = new ThreadPoolExecutor(maxConcurrency, maxConcurrency, 0, TimeUnit.MILLISECONDS,
          new ArrayBlockingQueue<>(POOL_QUEUE), r -> {
            Thread t = new Thread(r, "actor-call-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
          });
    } else {
      this.pool = null;
    }
  }
}
