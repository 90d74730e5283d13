package io.jray.runtime;

import io.jray.proto.FunctionDescriptor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Ready tasks of one scheduling class (resource shape + function) and the leases that run them:
 * tasks of a class can reuse each other's workers. Guarded by the submitter's monitor.
 */
final class SchedulingQueue {
  /** What makes two tasks share leases. */
  record Key(Map<String, Double> resources, FunctionDescriptor function,
      io.jray.proto.SchedulingStrategySpec strategy) {}

  final Key key;
  final ArrayDeque<PendingTask> ready = new ArrayDeque<>();
  final List<LeasedWorker> leases = new ArrayList<>();
  int pendingLeaseRequests;
  boolean infeasibleWarned;
  boolean retryScheduled;

  SchedulingQueue(Key key) {
    this.key = key;
  }

  int inflight() {
    int n = 0;
    for (LeasedWorker w : leases) {
      n += w.inflight.size();
    }
    return n;
  }
}
