package io.jray.raylet;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
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
  private static final int ATTEMPTS = 5;

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
    WorkerDeath d = WorkerDeath.newBuilder().setWorkerId(ByteString.copyFrom(worker.bytes()))
        .setNodeId(ByteString.copyFrom(node.bytes())).setJobId(ByteString.copyFrom(job.bytes())).setIsDriver(driver)
        .setReason(reason).build();
    Thread.ofVirtual().name("report-death-" + worker.hex()).start(() -> {
      for (int attempt = 1; ; attempt++) {
        try {
          gcs.blocking().reportWorkerDeath(d);
          return;
        } catch (StatusRuntimeException e) {
          io.grpc.Status.Code code = e.getStatus().getCode();
          boolean outage = code == io.grpc.Status.Code.UNAVAILABLE || code == io.grpc.Status.Code.DEADLINE_EXCEEDED;
          if (attempt == ATTEMPTS || !outage) {
            LOG.warn("cannot tell GCS that {} {} of job {} died ({} attempts): {}; other nodes keep its objects until"
                + " its node dies", driver ? "driver" : "worker", worker, job, attempt, e.getStatus());
            return;
          }
        }
        try {
          Thread.sleep(1000);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
  }
}
