package io.jray.runtime;

import io.jray.common.proto.ProtoIds;
import io.jray.api.NodeId;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.gcs.GcsClient;
import io.jray.proto.NodeInfo;
import io.jray.proto.PubMessage;
import io.jray.proto.SubscribeRequest;
import java.util.List;
import java.util.function.Consumer;

/**
 * A core worker's subscription to the deaths GCS publishes, in drivers and workers alike. A dead
 * node: objects owned here whose copies were all there are made again, and if it was this
 * process's own node, what it queued fails; borrows registered from that node end. A dead worker
 * or driver: its borrows of objects owned here end. Only these two channels: the resource reports
 * (several a second per node) would cost every worker for nothing.
 *
 * <p>Threads: callbacks run on the {@code gcs-events} loop, never on gRPC threads. GCS being
 * unreachable delays the subscription rather than failing the start: it retries every second.
 */
final class DeathSubscription implements AutoCloseable {
  private static final List<SubscribeRequest.Channel> CHANNELS =
      List.of(SubscribeRequest.Channel.NODES, SubscribeRequest.Channel.WORKER_DEATHS);
  private final EventLoop events = new EventLoop("gcs-events");

  DeathSubscription(GcsClient gcs, CoreWorker cw, String subscriber) {
    this(gcs, cw, subscriber, reason -> {});
  }

  /**
   * As above; {@code ownNodeDead} is told (with the death reason) when GCS declares this process's
   * own node dead: a worker exits then (fencing), a driver goes on without its raylet.
   */
  DeathSubscription(GcsClient gcs, CoreWorker cw, String subscriber, Consumer<String> ownNodeDead) {
    gcs.subscribe(subscriber, CHANNELS, events, m -> {
      assert events.inLoop();
      deliver(cw, m, ownNodeDead);
    }, events.timer());
  }

  private static void deliver(CoreWorker cw, PubMessage m, Consumer<String> ownNodeDead) {
    if (m.hasNode() && m.getNode().getState() == NodeInfo.State.DEAD) {
      NodeId node = ProtoIds.nodeId(m.getNode().getNodeId());
      if (node.equals(cw.nodeId())) {
        cw.localNodeDied(m.getNode().getDeathReason());
        ownNodeDead.accept(m.getNode().getDeathReason());
      }
      cw.nodeDied(node);
    } else if (m.hasWorkerDeath()) {
      cw.workerDied(ProtoIds.workerId(m.getWorkerDeath().getWorkerId()));
    }
  }

  @Override
  public void close() {
    events.close();
  }
}
