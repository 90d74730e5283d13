package io.jray.raylet;

import com.google.protobuf.ByteString;
import io.jray.api.JobId;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.gcs.GcsClient;
import io.jray.proto.MarkJobFinishedRequest;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drivers connected to this raylet, by pid. A driver that dies without {@code JRay.shutdown()}
 * (kill -9, crash) ends its job: GCS marks it finished and every raylet stops its workers.
 * State of the raylet loop.
 */
final class DriverWatch {
  private static final Logger LOG = LoggerFactory.getLogger(DriverWatch.class);
  private final GcsClient gcs;
  private final Map<Long, JobId> drivers = new HashMap<>();
  private final java.util.function.Consumer<JobId> onDeath;

  DriverWatch(EventLoop loop, GcsClient gcs, long periodMs, java.util.function.Consumer<JobId> onDeath) {
    this.gcs = gcs;
    this.onDeath = onDeath;
    loop.every(this::check, periodMs);
  }

  void add(long pid, JobId job) {
    drivers.put(pid, job);
    LOG.info("driver pid {} of job {} connected", pid, job);
  }

  private void check() {
    for (Iterator<Map.Entry<Long, JobId>> it = drivers.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, JobId> e = it.next();
      if (ProcessHandle.of(e.getKey()).map(ProcessHandle::isAlive).orElse(false)) {
        continue;
      }
      it.remove();
      JobId job = e.getValue();
      LOG.warn("driver pid {} of job {} died; ending the job", e.getKey(), job);
      onDeath.accept(job);
      Thread.ofVirtual().start(() -> {
        try {
          gcs.blocking().markJobFinished(MarkJobFinishedRequest.newBuilder()
              .setJobId(ByteString.copyFrom(job.bytes())).setReason("driver pid " + e.getKey() + " died").build());
        } catch (RuntimeException ex) {
          LOG.warn("job {}: cannot tell GCS the driver died: {}", job, ex.getMessage());
        }
      });
    }
  }
}
