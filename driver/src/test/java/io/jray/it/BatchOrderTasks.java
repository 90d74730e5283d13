package io.jray.it;

import io.jray.api.Remote;
import java.util.concurrent.atomic.AtomicLong;

/** Tasks that say which worker ran them, and as its how-manieth run of this method (BatchedPushIT). */
public final class BatchOrderTasks {
  private static final AtomicLong RUNS = new AtomicLong();

  private BatchOrderTasks() {}

  /** {pid, this worker's run number of this method (from 1), the index it was given}. */
  @Remote
  public static long[] record(int index) {
    return new long[] {ProcessHandle.current().pid(), RUNS.incrementAndGet(), index};
  }
}
