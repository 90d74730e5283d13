package io.jray.runtime;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.jray.proto.FunctionDescriptor;
import io.jray.proto.SchedulingStrategySpec;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Ready tasks of one scheduling class (resource shape + function + strategy) and the leases that
 * run them: tasks of a class can reuse each other's workers. Guarded by the submitter's monitor.
 */
final class SchedulingQueue {
  /** What makes two tasks share leases. */
  record Key(Map<String, Double> resources, FunctionDescriptor function, SchedulingStrategySpec strategy) {}

  final Key key;
  @GuardedBy("NormalTaskSubmitter.this")
  final ArrayDeque<PendingTask> ready = new ArrayDeque<>();
  @GuardedBy("NormalTaskSubmitter.this")
  final List<LeasedWorker> leases = new ArrayList<>();
  @GuardedBy("NormalTaskSubmitter.this")
  int pendingLeaseRequests;
  /** When a lease was last asked for or granted ({@code System.nanoTime}). */
  @GuardedBy("NormalTaskSubmitter.this")
  long leaseActivityNanos;
  @GuardedBy("NormalTaskSubmitter.this")
  boolean infeasibleWarned;
  @GuardedBy("NormalTaskSubmitter.this")
  boolean retryScheduled;

  SchedulingQueue(Key key) {
    this.key = key;
  }

  @GuardedBy("NormalTaskSubmitter.this")
  int inflight() {
    int n = 0;
    for (LeasedWorker w : leases) {
      n += w.inflight.size();
    }
    return n;
  }
}
