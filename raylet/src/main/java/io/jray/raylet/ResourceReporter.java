package io.jray.raylet;

import io.jray.common.proto.ProtoIds;
import io.jray.common.gcs.GcsClient;
import io.jray.common.gcs.NodeDeclaredDead;
import io.jray.proto.ResourceReport;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells GCS this node's resources: when they changed (checked every 100 ms) and at least every
 * {@code scheduler.report-ms}; a report GCS refuses because it declared this node dead ends the
 * node ({@link NodeFence}). Also where queued requests get a second look (spilled to nodes that
 * have room). Runs on the raylet loop.
 */
final class ResourceReporter {
  private static final Logger LOG = LoggerFactory.getLogger(ResourceReporter.class);
  private final NodeContext node;
  private final LeaseScheduler scheduler;
  private final GcsClient gcs;
  private final long periodMs;
  private final NodeFence fence;
  private Map<String, Double> lastAvailable;
  private long lastReportMs;
  private boolean inFlight;

  ResourceReporter(NodeContext node, LeaseScheduler scheduler, GcsClient gcs, long periodMs, NodeFence fence) {
    this.fence = fence;
    this.node = node;
    this.scheduler = scheduler;
    this.gcs = gcs;
    this.periodMs = periodMs;
  }

  /** Every 100 ms on the raylet loop. */
  void tick(io.jray.common.concurrent.EventLoop loop) {
    scheduler.rebalance();
    Map<String, Double> available = scheduler.available().toMap();
    long now = System.currentTimeMillis();
    if (inFlight || (available.equals(lastAvailable) && now - lastReportMs < periodMs)) {
      return;
    }
    lastAvailable = available;
    lastReportMs = now;
    inFlight = true;
    gcs.reportResources(ResourceReport.newBuilder().setNodeId(ProtoIds.bytes(node.nodeId()))
        .putAllTotal(scheduler.total().toMap()).putAllAvailable(available).addAllDemand(scheduler.demand()).build())
        .whenComplete((r, t) -> {
          // first: a report that never clears this stops every later one, and spillbacks then
          // count against other nodes forever (ClusterView.reserve is only undone by reports)
          loop.execute(() -> inFlight = false);
          if (NodeDeclaredDead.is(t)) {
            fence.declaredDead(io.grpc.Status.fromThrowable(t).getDescription());
          } else if (t != null) {
            LOG.debug("resource report failed: {}", t.toString());
          }
        });
  }
}
