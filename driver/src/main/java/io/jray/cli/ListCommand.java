package io.jray.cli;

import io.jray.common.gcs.GcsClient;
import io.jray.common.gcs.GcsUnavailableException;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.ActorInfo;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jray list actors}: every actor GCS knows, alive or dead, with where it runs and why it
 * died. Single-threaded: one question to GCS.
 */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List the cluster's actors (id, class, name,"
    + " state, node, pid, restarts, death cause).")
final class ListCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "WHAT", description = "what to list: actors")
  String what;

  @Option(names = "--address", paramLabel = "HOST:PORT", description = "GCS address (default: the latest local cluster)")
  String address;

  @Option(names = "--json", description = "one JSON object per line instead of a table")
  boolean json;

  @Override
  public Integer call() {
    if (!what.equals("actors")) {
      throw new IllegalArgumentException("cannot list '" + what + "': this version lists actors (jray list actors)");
    }
    ClusterTarget t = ClusterTarget.resolve(address);
    List<ActorInfo> actors;
    try (GcsClient client = new GcsClient(t.address(), t.token())) {
      actors = client.withReconnectTimeout(Duration.ZERO).allActors(null);
    } catch (GcsUnavailableException e) {
      throw e.lastStatus().asRuntimeException();
    }
    if (!json) {
      System.out.printf("%-32s  %-16s  %-30s  %-16s  %-32s  %7s  %8s  %s%n", "ACTOR", "STATE", "CLASS", "NAME", "NODE",
          "PID", "RESTARTS", "DEATH CAUSE / PENDING");
    }
    for (ActorInfo a : actors) {
      String node = a.hasAddress() && !a.getAddress().getNodeId().isEmpty()
          ? ProtoIds.nodeId(a.getAddress().getNodeId()).hex() : "-";
      String why = a.getState() == ActorInfo.State.DEAD ? a.getDeathCause().getMessage() : a.getPendingReason();
      String restarts = a.getNumRestarts() + "/" + (a.getMaxRestarts() < 0 ? "inf" : a.getMaxRestarts());
      if (json) {
        System.out.println("{\"actor_id\":" + quote(ProtoIds.actorId(a.getActorId()).hex()) + ",\"state\":"
            + quote(a.getState().name()) + ",\"class\":" + quote(a.getClassName()) + ",\"name\":" + quote(a.getName())
            + ",\"job_id\":" + quote(ProtoIds.jobId(a.getJobId()).hex()) + ",\"node_id\":" + quote(node)
            + ",\"pid\":" + a.getPid() + ",\"restarts\":" + a.getNumRestarts() + ",\"max_restarts\":"
            + a.getMaxRestarts() + ",\"detached\":" + a.getDetached() + ",\"death_cause\":" + quote(
                a.getState() == ActorInfo.State.DEAD ? why : "") + ",\"pending_reason\":" + quote(a.getPendingReason())
            + "}");
      } else {
        System.out.printf("%-32s  %-16s  %-30s  %-16s  %-32s  %7s  %8s  %s%n", ProtoIds.actorId(a.getActorId()).hex(),
            a.getState(), shortClass(a.getClassName()), a.getName().isEmpty() ? "-" : a.getName(), node,
            a.getPid() == 0 ? "-" : Long.toString(a.getPid()), restarts, why);
      }
    }
    if (!json) {
      System.out.println(actors.size() + " actors");
    }
    return 0;
  }

  private static String shortClass(String c) {
    return c.length() <= 30 ? c : "…" + c.substring(c.length() - 29);
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (ch < 0x20) {
            b.append(String.format("\\u%04x", (int) ch));
          } else {
            b.append(ch);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
