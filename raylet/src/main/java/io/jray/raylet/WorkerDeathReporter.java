package io.jray.raylet;

import io.jray.common.proto.ProtoIds;
import io.jray.api.JobId;
import io.jray.api.NodeId;
import io.jray.api.WorkerId;
import io.jray.common.gcs.GcsClient;
import io.jray.proto.WorkerDeath;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells GCS that a worker or driver of this node died, so that every raylet frees the objects it
 * owned and every core worker learns of it; and tells this node's store at once, without waiting
 * for the publication (GCS may be down). Calls run on virtual threads, retried for a few seconds.
 */
final class WorkerDeathReporter {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerDeathReporter.class);

  private final GcsClient gcs;
  private final NodeId node;
  private final Consumer<WorkerId> local;

  WorkerDeathReporter(GcsClient gcs, NodeId node, Consumer<WorkerId> local) {
    this.gcs = gcs;
    this.node = node;
    this.local = local;
  }

  void died(WorkerId worker, JobId job, boolean driver, String reason) {
    local.accept(worker);
    WorkerDeath d = WorkerDeath.newBuilder().setWorkerId(ProtoIds.bytes(worker))
        .setNodeId(ProtoIds.bytes(node)).setJobId(ProtoIds.bytes(job)).setIsDriver(driver)
        .setReason(reason).build();
    // GcsClient rides out an outage (gcs.reconnect-timeout-ms); what it cannot deliver is logged
    Thread.ofVirtual().name("report-death-" + worker.hex()).start(() -> {
      try {
        gcs.reportWorkerDeath(d);
      } catch (RuntimeException e) {
        LOG.warn("cannot tell GCS that {} {} of job {} died: {}; other nodes keep its objects until its node dies",
            driver ? "driver" : "worker", worker, job, e.getMessage());
      }
    });
  }
}
