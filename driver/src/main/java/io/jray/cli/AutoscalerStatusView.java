package io.jray.cli;

import io.jray.proto.AutoscalerDecision;
import io.jray.proto.AutoscalerStatus;
import io.jray.proto.DemandStatus;
import io.jray.proto.NodeTypeStatus;
import io.jray.proto.PendingLaunch;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.TreeMap;

/** The autoscaler part of {@code jray status}, laid out as {@code ray status}: node types, pending launches, demand, decisions. */
final class AutoscalerStatusView {
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

  private AutoscalerStatusView() {}

  static void print(AutoscalerStatus s, PrintStream out) {
    long now = System.currentTimeMillis();
    out.println("======== Autoscaler status: " + Instant.ofEpochMilli(s.getTimeMs()) + " ========");
    out.println("Autoscaler: pid " + s.getPid() + ", " + s.getProvider() + " provider, " + s.getConfigFile()
        + "; updated " + Math.max(0, now - s.getTimeMs()) / 1000 + " s ago (every " + s.getUpdateIntervalMs()
        + " ms)" + (now - s.getTimeMs() > 3 * s.getUpdateIntervalMs() + 5000 ? "  STALE: is the autoscaler running?"
            : ""));
    out.println("Node types:");
    for (NodeTypeStatus t : s.getNodeTypesList()) {
      out.printf("  %-16s %-24s running %d (idle %d), pending %d  (min %d, max %d)%n", t.getName(),
          shape(t.getResourcesMap()), t.getRunning(), t.getIdle(), t.getPending(), t.getMinWorkers(),
          t.getMaxWorkers());
    }
    out.println("Pending launches:" + (s.getPendingLaunchesCount() == 0 ? " none" : ""));
    for (PendingLaunch p : s.getPendingLaunchesList()) {
      out.println("  " + p.getName() + " (" + p.getNodeType() + "): " + p.getState() + " for "
          + Math.max(0, now - p.getSinceMs()) / 1000 + " s");
    }
    out.println("Demand:" + (s.getDemandCount() == 0 ? " (no resource demands)" : ""));
    for (DemandStatus d : s.getDemandList()) {
      out.println("  " + shape(d.getShapeMap()) + " x " + d.getCount() + ": " + d.getOutcome());
    }
    out.println("Recent decisions:" + (s.getDecisionsCount() == 0 ? " none" : ""));
    for (AutoscalerDecision d : s.getDecisionsList()) {
      out.println("  " + CLOCK.format(Instant.ofEpochMilli(d.getTimeMs())) + "  " + d.getText());
    }
  }

  private static String shape(Map<String, Double> m) {
    StringBuilder b = new StringBuilder("{");
    new TreeMap<>(m).forEach((k, v) -> b.append(b.length() > 1 ? ", " : "").append(k).append(": ")
        .append(v == Math.rint(v) ? Long.toString(v.longValue()) : v.toString()));
    return b.append('}').toString();
  }
}
