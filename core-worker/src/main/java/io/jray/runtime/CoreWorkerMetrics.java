package io.jray.runtime;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import java.util.function.LongSupplier;

/**
 * A driver's or worker's own Prometheus metrics (DESIGN §13), beside the JVM's: read from the
 * parts' counters when scraped, so the task path pays nothing. Registered once per process; the
 * suppliers are those of the process's latest core worker (a driver that calls {@code JRay.init}
 * again gets a new one).
 */
final class CoreWorkerMetrics {
  private static volatile LongSupplier ownedTasks = () -> 0;
  private static volatile LongSupplier reexecutions = () -> 0;

  static {
    GaugeWithCallback.builder().name("jray_owner_pending_tasks")
        .help("tasks this process submitted that have not finished yet")
        .callback(cb -> cb.call(ownedTasks.getAsLong())).register();
    CounterWithCallback.builder().name("jray_lineage_reexecutions_total")
        .help("tasks this owner ran again to remake objects that were lost")
        .callback(cb -> cb.call(reexecutions.getAsLong())).register();
  }

  private CoreWorkerMetrics() {}

  static void publish(LongSupplier pendingTasks, LongSupplier reexecuted) {
    ownedTasks = pendingTasks;
    reexecutions = reexecuted;
  }
}
