package io.jray.raylet;

import io.jray.api.JobId;
import io.jray.api.WorkerId;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.gcs.GcsClient;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drivers connected to this raylet, by pid. A driver that dies without {@code JRay.shutdown()}
 * (kill -9, crash) ends its job: GCS marks it finished and every raylet stops its workers. Any
 * driver's exit is reported as a worker death (the objects it owned are freed everywhere).
 * State of the raylet loop.
 */
final class DriverWatch {
  private static final Logger LOG = LoggerFactory.getLogger(DriverWatch.class);
  private final GcsClient gcs;
  /** A connected driver; {@code worker} is null for a driver that did not send its address. */
  private record Driver(JobId job, WorkerId worker, int port, int metricsPort) {}

  private final Map<Long, Driver> drivers = new HashMap<>();
  private final java.util.function.Consumer<JobId> onDeath;
  private final WorkerDeathReporter deaths;

  DriverWatch(EventLoop loop, GcsClient gcs, long periodMs, java.util.function.Consumer<JobId> onDeath,
      WorkerDeathReporter deaths) {
    this.gcs = gcs;
    this.onDeath = onDeath;
    this.deaths = deaths;
    loop.every(this::check, periodMs);
  }

  void add(long pid, JobId job, WorkerId worker, int port, int metricsPort) {
    drivers.put(pid, new Driver(job, worker, port, metricsPort));
    LOG.info("driver pid {} (worker {}) of job {} connected", pid, worker, job);
  }

  /** The connected drivers as {@code GetNodeStats} lists them (state DRIVER), so the state API can reach them. */
  java.util.List<io.jray.proto.WorkerStats> stats() {
    java.util.List<io.jray.proto.WorkerStats> out = new java.util.ArrayList<>();
    drivers.forEach((pid, d) -> {
      io.jray.proto.WorkerStats.Builder b = io.jray.proto.WorkerStats.newBuilder().setPid(pid)
          .setJobId(io.jray.common.proto.ProtoIds.bytes(d.job())).setState("DRIVER").setPort(d.port())
          .setMetricsPort(d.metricsPort());
      if (d.worker() != null) {
        b.setWorkerId(io.jray.common.proto.ProtoIds.bytes(d.worker()));
      }
      out.add(b.build());
    });
    return out;
  }

  private void check() {
    for (Iterator<Map.Entry<Long, Driver>> it = drivers.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, Driver> e = it.next();
      if (ProcessHandle.of(e.getKey()).map(ProcessHandle::isAlive).orElse(false)) {
        continue;
      }
      it.remove();
      JobId job = e.getValue().job();
      LOG.warn("driver pid {} (worker {}) of job {} died; ending the job", e.getKey(), e.getValue().worker(), job);
      if (e.getValue().worker() != null) {
        deaths.died(e.getValue().worker(), job, true, "driver pid " + e.getKey() + " exited");
      }
      onDeath.accept(job);
      Thread.ofVirtual().start(() -> {
        try {
          gcs.markJobFinished(job, "driver pid " + e.getKey() + " died");
        } catch (RuntimeException ex) {
          LOG.warn("job {}: cannot tell GCS the driver died: {}", job, ex.getMessage());
        }
      });
    }
  }
}
