package io.jray.raylet;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jray.api.NodeId;
import io.jray.api.WorkerId;
import io.jray.common.gcs.GcsClient;
import io.jray.proto.GcsInfo;
import io.jray.proto.NodeInfo;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The raylet's half of the GCS restart protocol (DESIGN §7): every subscription starts with the
 * serving GCS's incarnation; when it differs from the one seen before, GCS restarted, and this node
 * resyncs: it names the workers alive here (so GCS restarts the actors whose worker died during the
 * outage and keeps the others ALIVE), and registers again if the GCS does not know the node (a
 * head started over other storage). Resource reports and the subscription need nothing: the
 * reporter sends a full report every period and the subscription's snapshot replaces what was
 * missed.
 *
 * <p>Threads: {@link #seen} runs on {@code raylet-loop}, which owns the worker list it reads; the
 * GCS calls run on a virtual thread (they wait out an outage).
 */
final class GcsResync {
  private static final Logger LOG = LoggerFactory.getLogger(GcsResync.class);
  private final GcsClient gcs;
  private final NodeId nodeId;
  private final Supplier<NodeInfo> registration;
  private long incarnation;

  GcsResync(GcsClient gcs, NodeId nodeId, Supplier<NodeInfo> registration) {
    this.gcs = gcs;
    this.nodeId = nodeId;
    this.registration = registration;
  }

  /** The first message of a (re)subscription; {@code liveWorkers} is this node's worker list now. */
  void seen(GcsInfo info, List<WorkerId> liveWorkers) {
    long before = incarnation;
    incarnation = info.getIncarnation();
    if (before == 0 || before == info.getIncarnation()) {
      return; // the first subscription, or the same GCS after a broken stream
    }
    LOG.warn("GCS restarted (incarnation {} -> {}, started {}): resyncing node {} with {} live workers", before,
        info.getIncarnation(), java.time.Instant.ofEpochMilli(info.getStartTimeMs()), nodeId, liveWorkers.size());
    Thread.ofVirtual().name("gcs-resync").start(() -> {
      try {
        gcs.resyncNode(nodeId, info.getIncarnation(), liveWorkers);
        LOG.info("node {} resynced with GCS incarnation {}", nodeId, info.getIncarnation());
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
          LOG.error("node {}: resync with GCS incarnation {} refused: {}", nodeId, info.getIncarnation(),
              e.getStatus());
          return;
        }
        LOG.warn("node {}: GCS incarnation {} does not know this node (other storage): registering again", nodeId,
            info.getIncarnation());
        gcs.registerNode(registration.get());
      } catch (RuntimeException e) {
        LOG.error("node {}: resync with GCS incarnation {} failed: {}", nodeId, info.getIncarnation(), e.toString());
      }
    });
  }
}
