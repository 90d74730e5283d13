package io.jray.cli;

import io.jray.api.Remote;

/**
 * The no-op tasks {@link Microbenchmark} submits, like {@code small_value} in Ray's
 * {@code ray_perf.py}: they do nothing so that what is timed is the runtime's own per-task cost.
 * They run on workers because the driver module's jar is on the job class path.
 */
@Remote
public final class BenchTasks {
  /** A zeroed array of {@code size} bytes: cheap to make, so only the transfer is timed. */
  public static byte[] zeros(int size) {
    return new byte[size];
  }

  /** The node that ran this task. */
  public static String nodeId() {
    return io.jray.api.JRay.runtimeContext().nodeId().hex();
  }

  private BenchTasks() {}

  /** Returns 0: the smallest result that still travels back to the caller. */
  public static int noop() {
    return 0;
  }

  /** Returns {@code x}: a no-op that also carries an argument. */
  public static int noopWith(int x) {
    return x;
  }
}
