package io.jray.cli;

import io.jray.common.proto.ProtoIds;
import io.grpc.ManagedChannel;
import io.jray.common.gcs.GcsClient;
import io.jray.common.gcs.GcsUnavailableException;
import io.jray.common.grpc.Rpc;
import io.jray.proto.ActorInfo;
import io.jray.proto.GcsInfo;
import io.jray.proto.GetNodeStatsReply;
import io.jray.proto.GetNodeStatsRequest;
import io.jray.proto.JobInfo;
import io.jray.proto.NodeInfo;
import io.jray.proto.NodeManagerServiceGrpc;
import io.jray.proto.ResourceDemand;
import io.jray.proto.WorkerStats;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Nodes (alive and dead), resources used/total, workers, and pending and infeasible demand.
 * Single-threaded: the CLI's main thread asks GCS, then each alive raylet in turn.
 */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show nodes, resources, workers and pending demand.")
final class StatusCommand implements Callable<Integer> {
  @Option(names = "--address", paramLabel = "HOST:PORT", description = "GCS address (default: the latest local cluster)")
  String address;

  @Override
  public Integer call() {
    ClusterTarget t = ClusterTarget.resolve(address);
    try (GcsClient client = new GcsClient(t.address(), t.token())) {
      List<NodeInfo> nodes;
      List<JobInfo> jobs;
      List<ActorInfo> actors;
      GcsInfo info;
      java.util.Optional<com.google.protobuf.ByteString> autoscaler;
      try {
        // a look, not a wait: one attempt, and a stopped cluster is reported at once as before
        GcsClient gcs = client.withReconnectTimeout(Duration.ZERO);
        info = gcs.gcsInfo();
        nodes = gcs.allNodes();
        jobs = gcs.allJobs();
        actors = gcs.allActors(null);
        autoscaler = gcs.kvGet(io.jray.autoscaler.Autoscaler.STATUS_KEY);
      } catch (GcsUnavailableException e) {
        throw e.lastStatus().asRuntimeException();
      }
      System.out.println("======== JRay cluster status (GCS " + t.address() + ") ========");
      System.out.println("GCS: incarnation " + info.getIncarnation() + ", " + (info.getIncarnation() == 1
          ? "started " + Instant.ofEpochMilli(info.getStartTimeMs()) + " (never restarted)"
          : "last restarted " + Instant.ofEpochMilli(info.getStartTimeMs()) + " (first started "
              + Instant.ofEpochMilli(info.getFirstStartTimeMs()) + "; " + info.getNodesResynced() + " of "
              + info.getNodesAwaited() + " nodes resynced" + (info.getInGrace() ? ", restart grace running" : "") + ")")
          + ", storage " + info.getStorageDir() + " (sync " + info.getStorageSync().toLowerCase(java.util.Locale.ROOT)
          + ")");
      System.out.println(info.getHttpPort() > 0
          ? "GCS HTTP: http://" + t.address().replaceFirst(":\\d+$", "") + ":" + info.getHttpPort()
              + "/metrics and /api/prometheus_sd (Authorization: Bearer <cluster token>)"
          : "GCS HTTP: none (metrics off, or its port could not be bound: see the GCS log)");
      long alive = nodes.stream().filter(n -> n.getState() == NodeInfo.State.ALIVE).count();
      System.out.println("Nodes: " + alive + " alive, " + (nodes.size() - alive) + " dead");
      Map<String, Integer> pending = new TreeMap<>();
      Map<String, Integer> infeasible = new TreeMap<>();
      for (NodeInfo n : nodes) {
        String id = ProtoIds.nodeId(n.getNodeId()).hex();
        if (n.getState() == NodeInfo.State.DEAD) {
          System.out.printf("  node %s  DEAD   %s:%d  since %tT: %s%n", id, n.getHost(), n.getRayletPort(),
              n.getDeathTimeMs(), n.getDeathReason());
          continue;
        }
        System.out.printf("  node %s  ALIVE  %s:%d%s%n", id, n.getHost(), n.getRayletPort(), n.getIsHead() ? "  (head)" : "");
        GetNodeStatsReply s;
        ManagedChannel ch = Rpc.channel(n.getHost(), n.getRayletPort(), t.token());
        try {
          s = NodeManagerServiceGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS)
              .getNodeStats(GetNodeStatsRequest.getDefaultInstance());
        } catch (RuntimeException e) {
          System.out.println("    (raylet not answering: " + e.getMessage() + ")");
          continue;
        } finally {
          ch.shutdownNow();
        }
        for (var e : new TreeMap<>(s.getTotalResourcesMap()).entrySet()) {
          double used = e.getValue() - s.getAvailableResourcesMap().getOrDefault(e.getKey(), 0.0);
          System.out.printf("    %-10s %s / %s used%n", e.getKey(), fmt(used), fmt(e.getValue()));
        }
        Map<String, Integer> states = new TreeMap<>();
        for (WorkerStats w : s.getWorkersList()) {
          states.merge(w.getState(), 1, Integer::sum);
        }
        if (s.hasStore()) {
          var st = s.getStore();
          System.out.printf("    store:     %s / %s used (%.1f%%), %d objects, %s spilled (%d objects; %d spills,"
              + " %d restores)%n", bytes(st.getUsed()), bytes(st.getCapacity()),
              st.getCapacity() == 0 ? 0.0 : 100.0 * st.getUsed() / st.getCapacity(), st.getObjectCount(),
              bytes(st.getSpilledBytes()), st.getSpilledObjects(), st.getSpillCount(), st.getRestoreCount());
        }
        System.out.println("    workers:   " + s.getWorkersCount() + (states.isEmpty() ? "" : " " + states)
            + ", " + s.getWorkersStarted() + " started since boot, " + s.getLeasesGranted() + " leases granted");
        for (ResourceDemand d : s.getDemandList()) {
          (d.getInfeasible() ? infeasible : pending).merge(new TreeMap<>(d.getShapeMap()).toString(), d.getCount(),
              Integer::sum);
        }
      }
      System.out.println("Pending demand:" + (pending.isEmpty() ? " none" : ""));
      pending.forEach((k, v) -> System.out.println("  " + k + " x " + v));
      System.out.println("Infeasible demand:" + (infeasible.isEmpty() ? " none" : ""));
      infeasible.forEach((k, v) -> System.out.println("  " + k + " x " + v + "  (no node has these resources)"));
      long running = jobs.stream().filter(j -> j.getState() == JobInfo.State.RUNNING).count();
      System.out.println("Jobs: " + running + " running, " + (jobs.size() - running) + " finished");
      for (JobInfo j : jobs) {
        if (j.getState() == JobInfo.State.RUNNING) {
          System.out.println("  job " + ProtoIds.jobId(j.getJobId()) + "  driver pid " + j.getDriverPid());
        }
      }
      Map<ActorInfo.State, Integer> byState = new TreeMap<>();
      actors.forEach(a -> byState.merge(a.getState(), 1, Integer::sum));
      System.out.println("Actors: " + (byState.isEmpty() ? "none" : byState) + " (jray list actors for details)");
      for (ActorInfo a : actors) {
        if (a.getState() != ActorInfo.State.DEAD) {
          System.out.println("  actor " + ProtoIds.actorId(a.getActorId()) + "  " + a.getState() + "  "
              + a.getClassName() + (a.getName().isEmpty() ? "" : " '" + a.getName() + "'")
              + (a.getPendingReason().isEmpty() ? "" : "  pending: " + a.getPendingReason()));
        }
      }
      if (autoscaler.isPresent()) {
        try {
          AutoscalerStatusView.print(io.jray.proto.AutoscalerStatus.parseFrom(autoscaler.get()), System.out);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          System.out.println("Autoscaler: its status in GCS cannot be read (" + e.getMessage() + ")");
        }
      }
    }
    return 0;
  }

  static String bytes(long b) {
    if (b < 1024) {
      return b + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = b;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format("%.1f %s", v, units[u]);
  }

  private static String fmt(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : String.format("%.2f", d);
  }
}
