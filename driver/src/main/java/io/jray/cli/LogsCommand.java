package io.jray.cli;

import io.jray.common.state.StateRows;
import io.jray.proto.ListLogsReply;
import io.jray.proto.ListLogsRequest;
import io.jray.proto.LogFile;
import io.jray.proto.NodeInfo;
import io.jray.proto.NodeLogServiceGrpc;
import io.jray.proto.ReadLogReply;
import io.jray.proto.ReadLogRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jray logs [FILE] [--node ID] [--tail N] [--follow]}: a node's log files, read through
 * that node's raylet ({@code NodeLogService}), which serves only files in the session's logs
 * directory. Without FILE it lists them. {@code --follow} polls for what is appended, twice a
 * second, until interrupted.
 */
@Command(name = "logs", mixinStandardHelpOptions = true, description = "List a node's log files, or print (and follow)"
    + " one of them.")
final class LogsCommand implements Callable<Integer> {
  private static final long FOLLOW_POLL_MS = 500;

  @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "a file name as listed (e.g."
      + " worker-<id>.log); none: list the files")
  String file;

  @Option(names = "--node", paramLabel = "ID", description = "node id or a unique prefix (default: the head node)")
  String node;

  @Option(names = "--tail", paramLabel = "N", defaultValue = "100", description = "print the last N lines (default 100)")
  int tail;

  @Option(names = "--follow", description = "keep printing what is appended (Ctrl-C ends)")
  boolean follow;

  @Option(names = "--address", paramLabel = "HOST:PORT", description = "GCS address (default: the latest local cluster)")
  String address;

  @Override
  public Integer call() throws InterruptedException {
    if (tail < 1) {
      throw new IllegalArgumentException("--tail must be >= 1, got " + tail);
    }
    try (ClusterState state = new ClusterState(address)) {
      NodeInfo n = pick(state.nodes());
      if (file == null) {
        ListLogsReply r = state.call(n.getHost(), n.getRayletPort(), ch -> NodeLogServiceGrpc.newBlockingStub(ch)
            .withDeadlineAfter(10, TimeUnit.SECONDS).listLogs(ListLogsRequest.getDefaultInstance()));
        System.out.println("logs of node " + StateRows.hex(n.getNodeId()) + ":");
        for (LogFile f : r.getFilesList()) {
          System.out.printf("  %-60s %12d bytes  %tF %<tT%n", f.getName(), f.getSize(), f.getModifiedMs());
        }
        return 0;
      }
      ReadLogReply r = read(state, n, ReadLogRequest.newBuilder().setName(file).setTailLines(tail).setOffset(-1)
          .build());
      System.out.write(r.getData().toByteArray(), 0, r.getData().size());
      System.out.flush();
      long offset = r.getNextOffset();
      while (follow) {
        Thread.sleep(FOLLOW_POLL_MS);
        r = read(state, n, ReadLogRequest.newBuilder().setName(file).setOffset(offset).build());
        System.out.write(r.getData().toByteArray(), 0, r.getData().size());
        System.out.flush();
        offset = r.getNextOffset();
      }
    }
    return 0;
  }

  private static ReadLogReply read(ClusterState state, NodeInfo n, ReadLogRequest req) {
    return state.call(n.getHost(), n.getRayletPort(), ch -> NodeLogServiceGrpc.newBlockingStub(ch)
        .withDeadlineAfter(10, TimeUnit.SECONDS).readLog(req));
  }

  private NodeInfo pick(List<NodeInfo> nodes) {
    List<NodeInfo> alive = nodes.stream().filter(x -> x.getState() == NodeInfo.State.ALIVE).toList();
    if (node == null) {
      return alive.stream().filter(NodeInfo::getIsHead).findFirst().or(() -> alive.stream().findFirst())
          .orElseThrow(() -> new IllegalArgumentException("no alive node"));
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    alive.forEach(x -> rows.add(StateRows.node(x)));
    Object id = GetCommand.unique(rows, "node_id", node.toLowerCase(), "node").get("node_id");
    return alive.stream().filter(x -> StateRows.hex(x.getNodeId()).equals(id)).findFirst().orElseThrow();
  }
}
