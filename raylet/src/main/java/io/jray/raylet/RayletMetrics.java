package io.jray.raylet;

import io.jray.proto.GetNodeStatsReply;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A raylet's Prometheus metrics (DESIGN §13). The gauges read one snapshot of the node's stats (the
 * same as {@code GetNodeStats}: resources, workers, store), taken at most once a second on the
 * raylet's and the store's loops, so a scrape never touches their state from another thread. The
 * lease histogram is observed on {@code raylet-loop} as leases are granted.
 */
final class RayletMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(RayletMetrics.class);

  static final Histogram LEASE_GRANT_SECONDS = Histogram.builder().name("jray_lease_grant_seconds")
      .help("time from a lease request reaching this raylet to its grant")
      .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
      .withoutExemplars().register();

  private static volatile Supplier<GetNodeStatsReply> source = () -> null;
  private static GetNodeStatsReply cached;
  private static long cachedAtNanos;

  static {
    GaugeWithCallback.builder().name("jray_resources").help("this node's resources: total, available and used")
        .labelNames("name", "state").callback(cb -> {
          GetNodeStatsReply s = snapshot();
          if (s == null) {
            return;
          }
          for (Map.Entry<String, Double> e : s.getTotalResourcesMap().entrySet()) {
            double available = s.getAvailableResourcesOrDefault(e.getKey(), 0);
            cb.call(e.getValue(), e.getKey(), "total");
            cb.call(available, e.getKey(), "available");
            cb.call(e.getValue() - available, e.getKey(), "used");
          }
        }).register();
    GaugeWithCallback.builder().name("jray_object_store_bytes")
        .help("this node's object store: bytes in memory (used), on disk (spilled), read back from disk since"
            + " start (restored), and its capacity")
        .labelNames("state").callback(cb -> {
          GetNodeStatsReply s = snapshot();
          if (s != null) {
            cb.call(s.getStore().getUsed(), "used");
            cb.call(s.getStore().getSpilledBytes(), "spilled");
            cb.call(s.getStore().getRestoredBytes(), "restored");
            cb.call(s.getStore().getCapacity(), "capacity");
          }
        }).register();
    gauge("jray_object_store_objects", "objects in this node's store", s -> s.getStore().getObjectCount());
    counter("jray_object_store_restores_total", "spilled objects this node's store read back into memory",
        s -> s.getStore().getRestoreCount());
    counter("jray_object_store_spills_total", "objects this node's store wrote to disk",
        s -> s.getStore().getSpillCount());
    counter("jray_object_transfer_bytes_total", "bytes of objects this node pulled from other nodes",
        s -> s.getStore().getPulledBytes());
    counter("jray_worker_starts_total", "worker processes this raylet started", GetNodeStatsReply::getWorkersStarted);
    counter("jray_leases_granted_total", "worker leases this raylet granted", GetNodeStatsReply::getLeasesGranted);
    GaugeWithCallback.builder().name("jray_workers").help("worker processes on this node by state (drivers: DRIVER)")
        .labelNames("state").callback(cb -> {
          GetNodeStatsReply s = snapshot();
          if (s == null) {
            return;
          }
          Map<String, Long> byState = new java.util.TreeMap<>();
          for (String st : new String[] {"STARTING", "IDLE", "LEASED", "BLOCKED", "DRIVER"}) {
            byState.put(st, 0L);
          }
          s.getWorkersList().forEach(w -> byState.merge(w.getState(), 1L, Long::sum));
          byState.forEach((st, n) -> cb.call(n, st));
        }).register();
  }

  private RayletMetrics() {}

  private static void gauge(String name, String help, ToDoubleFunction<GetNodeStatsReply> value) {
    GaugeWithCallback.builder().name(name).help(help).callback(cb -> {
      GetNodeStatsReply s = snapshot();
      if (s != null) {
        cb.call(value.applyAsDouble(s));
      }
    }).register();
  }

  private static void counter(String name, String help, ToDoubleFunction<GetNodeStatsReply> value) {
    CounterWithCallback.builder().name(name).help(help).callback(cb -> {
      GetNodeStatsReply s = snapshot();
      if (s != null) {
        cb.call(value.applyAsDouble(s));
      }
    }).register();
  }

  /** The metrics read {@code service}'s stats from now on (the process's one raylet). */
  static void publish(NodeManagerRpcService service) {
    source = () -> {
      try {
        return service.snapshot().get(2, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.debug("no node stats for the metrics: {}", e.toString());
        return null;
      }
    };
  }

  private static synchronized GetNodeStatsReply snapshot() {
    long now = System.nanoTime();
    if (cached == null || now - cachedAtNanos > 1_000_000_000L) {
      cached = source.get();
      cachedAtNanos = now;
    }
    return cached;
  }
}
