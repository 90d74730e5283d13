package io.jray.gcs;

import io.jray.common.config.JRayConfig;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fault injection for the storage consistency tests ({@code testing.gcs-crash-after-writes}): the
 * process halts, as a {@code kill -9} would (no shutdown hooks, nothing flushed by Java), right
 * after its Nth write reached RocksDB and before anything acknowledges it. Zero, the default, never.
 *
 * <p>Threads: thread-safe (package uploads write from gRPC threads).
 */
final class CrashPoint {
  /** The exit code of the halt, so a test tells it from a real failure. */
  static final int EXIT_CODE = 86;
  private final long afterWrites;
  private final AtomicLong writes = new AtomicLong();

  CrashPoint(long afterWrites) {
    this.afterWrites = afterWrites;
  }

  static CrashPoint fromConfig() {
    return new CrashPoint(JRayConfig.getLong(JRayConfig.TESTING_GCS_CRASH_AFTER_WRITES));
  }

  void wrote() {
    if (afterWrites > 0 && writes.incrementAndGet() == afterWrites) {
      System.err.println("testing.gcs-crash-after-writes: halting after write " + afterWrites);
      Runtime.getRuntime().halt(EXIT_CODE);
    }
  }
}
