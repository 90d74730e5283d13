package io.jray.gcs;

import io.jray.common.grpc.ChannelPool;
import io.jray.proto.GetNodeStatsReply;
import io.jray.proto.GetNodeStatsRequest;
import io.jray.proto.NodeInfo;
import io.jray.proto.NodeManagerServiceGrpc;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * GCS's HTTP side asking nodes for their {@code GetNodeStats} (the dashboard, Prometheus
 * discovery): every node at once, each on a virtual thread of its own with a 2 s deadline, so one
 * slow node costs 2 s, not 2 s per node. Nodes that do not answer are handed back for the caller
 * to name.
 */
final class NodeStatsPoll {
  private static final long DEADLINE_SECONDS = 2;

  private final ChannelPool channels;
  private final ExecutorService calls = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("dashboard-call-", 0)
      .factory());

  NodeStatsPoll(ChannelPool channels) {
    this.channels = channels;
  }

  /** The stats of those of {@code nodes} that answered, in their order; the others go to {@code unanswered}. */
  Map<NodeInfo, GetNodeStatsReply> ask(List<NodeInfo> nodes, List<NodeInfo> unanswered) {
    Map<NodeInfo, CompletableFuture<GetNodeStatsReply>> asked = new LinkedHashMap<>();
    for (NodeInfo n : nodes) {
      asked.put(n, CompletableFuture.supplyAsync(() -> NodeManagerServiceGrpc.newBlockingStub(channels.get(n.getHost(),
          n.getRayletPort())).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
          .getNodeStats(GetNodeStatsRequest.getDefaultInstance()), calls));
    }
    Map<NodeInfo, GetNodeStatsReply> out = new LinkedHashMap<>();
    asked.forEach((n, f) -> {
      try {
        out.put(n, f.get(DEADLINE_SECONDS + 1, TimeUnit.SECONDS));
      } catch (Exception e) {
        unanswered.add(n);
      }
    });
    return out;
  }
}
