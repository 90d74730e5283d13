package io.jray.gcs;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.jray.common.grpc.ChannelPool;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.Address;
import io.jray.common.concurrent.EventLoop;
import io.jray.proto.HealthCheckReply;
import io.jray.proto.HealthCheckRequest;
import io.jray.proto.NodeInfo;
import io.jray.proto.NodeManagerServiceGrpc;
import io.grpc.stub.StreamObserver;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes every alive raylet each period; after {@code failureThreshold} misses in a row the node
 * is marked DEAD and published. Detection time is therefore about period × threshold (+ timeout).
 * State lives on the GCS loop; probes are async and report back to it.
 */
final class HealthChecker {
  private static final Logger LOG = LoggerFactory.getLogger(HealthChecker.class);
  private final EventLoop loop;
  private final NodeTable nodes;
  /** Probe channels, closed when their node is declared dead. */
  private final ChannelPool channels;
  private final long timeoutMs;
  private final int threshold;
  private final Map<ByteString, Integer> misses = new HashMap<>();
  private final Map<ByteString, Boolean> inFlight = new HashMap<>();
  /** True while a restarted GCS waits for raylets to resync: a miss then is no evidence ({@link Incarnation}). */
  private final BooleanSupplier holdVerdicts;

  HealthChecker(EventLoop loop, NodeTable nodes, String token, long periodMs, long timeoutMs, int threshold,
      BooleanSupplier holdVerdicts) {
    this.loop = loop;
    this.holdVerdicts = holdVerdicts;
    this.nodes = nodes;
    this.channels = new ChannelPool(token);
    this.timeoutMs = timeoutMs;
    this.threshold = threshold;
    loop.every(this::probeAll, periodMs);
    LOG.info("health checks every {} ms, timeout {} ms, {} misses mark a node dead", periodMs, timeoutMs, threshold);
  }

  private void probeAll() {
    for (NodeInfo n : nodes.alive()) {
      ByteString id = n.getNodeId();
      if (Boolean.TRUE.equals(inFlight.get(id))) {
        continue;
      }
      inFlight.put(id, true);
      ManagedChannel ch = channels.get(Address.newBuilder().setHost(n.getHost()).setPort(n.getRayletPort()).setNodeId(id)
          .build());
      NodeManagerServiceGrpc.newStub(ch).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
          .healthCheck(HealthCheckRequest.getDefaultInstance(), new StreamObserver<>() {
            @Override
            public void onNext(HealthCheckReply r) {
              loop.execute(() -> result(id, true, null));
            }

            @Override
            public void onError(Throwable t) {
              loop.execute(() -> result(id, false, t));
            }

            @Override
            public void onCompleted() {}
          });
    }
  }

  private void result(ByteString id, boolean ok, Throwable error) {
    inFlight.put(id, false);
    if (ok) {
      misses.remove(id);
      return;
    }
    GcsMetrics.HEALTH_CHECK_FAILURES.inc();
    if (holdVerdicts.getAsBoolean()) {
      LOG.debug("node {} missed a health check during the restart grace: not counted", NodeTable.hex(id));
      return;
    }
    int m = misses.merge(id, 1, Integer::sum);
    LOG.debug("node {} missed health check {}/{}: {}", NodeTable.hex(id), m, threshold, error.toString());
    if (m >= threshold) {
      forget(id);
      nodes.markDead(id, "missed " + m + " health checks in a row (last error: "
          + io.grpc.Status.fromThrowable(error).getCode() + ")");
    }
  }

  void forget(ByteString id) {
    misses.remove(id);
    inFlight.remove(id);
    channels.nodeDied(ProtoIds.nodeId(id));
  }
}
