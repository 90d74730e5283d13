package io.jray.autoscaler;

import com.google.protobuf.ByteString;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.gcs.GcsClient;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.AutoscalerDecision;
import io.jray.proto.AutoscalerStatus;
import io.jray.proto.DemandStatus;
import io.jray.proto.NodeInfo;
import io.jray.proto.NodeTypeStatus;
import io.jray.proto.PendingLaunch;
import io.jray.proto.PubMessage;
import io.jray.proto.ResourceDemand;
import io.jray.proto.ResourceReport;
import io.jray.proto.SubscribeRequest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The autoscaler of one cluster (DESIGN §12): every {@code intervalMs} it takes the nodes and the
 * demand by shape that raylets report to GCS (queued lease requests plus the owners' backlogs
 * behind them), asks {@link ScalingPolicy} what to launch and terminate, has the
 * {@link NodeProvider} do it, and writes what it sees and decided to GCS's KV
 * ({@link #STATUS_KEY}) for {@code jray status}. Every decision is one log line with its reason.
 *
 * <p>Threads: everything below is state of {@code autoscaler-loop}; the GCS subscription delivers
 * onto it, and its timer starts each round. Provider calls (process starts, docker) and GCS writes
 * run on virtual threads ({@code autoscaler-provider-N}, {@code autoscaler-status}) and report back
 * to the loop with a message. Launches at once are bounded by the policy (max workers,
 * upscalingSpeed), status writes to one in flight.
 */
public final class Autoscaler implements AutoCloseable {
  public static final String STATUS_KEY = "__autoscaler_status";
  private static final Logger LOG = LoggerFactory.getLogger(Autoscaler.class);
  /** Recent decisions kept for status. */
  private static final int DECISIONS_KEPT = 30;

  private enum State { LAUNCHING, STARTED, RUNNING, TERMINATING }

  /** A node this autoscaler launched, from the decision until it is gone. */
  private static final class Managed {
    final String name;
    final NodeType type;
    State state = State.LAUNCHING;
    ProvidedNode node;
    ByteString nodeId;
    long sinceMs;

    Managed(String name, NodeType type, long now) {
      this.name = name;
      this.type = type;
      this.sinceMs = now;
    }
  }

  private final AutoscalingConfig config;
  private final NodeProvider provider;
  private final GcsClient gcs;
  private final ScalingPolicy policy;
  private final long intervalMs;
  private final long launchTimeoutMs;
  private final EventLoop loop = new EventLoop("autoscaler-loop");
  private final ExecutorService calls = Executors.newThreadPerTaskExecutor(
      Thread.ofVirtual().name("autoscaler-provider-", 0).factory());

  private final Map<ByteString, NodeInfo> alive = new LinkedHashMap<>();
  private final Map<ByteString, ResourceReport> reports = new HashMap<>();
  private final Map<ByteString, Long> idleSince = new HashMap<>();
  private final Map<String, Managed> managed = new LinkedHashMap<>();
  private final ArrayDeque<AutoscalerDecision> decisions = new ArrayDeque<>();
  /** The standing lines of the last round (waiting, infeasible, held back): logged when they first appear. */
  private Set<String> standing = Set.of();
  private List<ScalingPlan.Outcome> lastDemand = List.of();
  private int launched;
  private boolean statusInFlight;

  public Autoscaler(AutoscalingConfig config, NodeProvider provider, GcsClient gcs, long intervalMs,
      long launchTimeoutMs) {
    this.config = config;
    this.provider = provider;
    this.gcs = gcs;
    this.policy = new ScalingPolicy(config);
    this.intervalMs = intervalMs;
    this.launchTimeoutMs = launchTimeoutMs;
  }

  public void start() {
    LOG.info("autoscaler for {} ({} provider, node types {}, idleTimeoutSeconds {}, upscalingSpeed {}, every {} ms)",
        config.file(), provider.name(), config.nodeTypes().keySet(), ScalingPolicy.fmt(config.idleTimeoutSeconds()),
        ScalingPolicy.fmt(config.upscalingSpeed()), intervalMs);
    gcs.subscribe("autoscaler", List.of(SubscribeRequest.Channel.NODES, SubscribeRequest.Channel.RESOURCES), loop,
        this::onMessage, loop.timer());
    loop.schedule(this::round, Math.min(intervalMs, 1000));
    loop.every(this::round, intervalMs);
  }

  private void onMessage(PubMessage m) {
    long now = System.currentTimeMillis();
    if (m.hasNode()) {
      NodeInfo n = m.getNode();
      if (n.getState() == NodeInfo.State.ALIVE) {
        alive.put(n.getNodeId(), n);
      } else {
        alive.remove(n.getNodeId());
        reports.remove(n.getNodeId());
        idleSince.remove(n.getNodeId());
        for (Managed x : managed.values()) {
          if (n.getNodeId().equals(x.nodeId) && x.state == State.RUNNING) {
            // its process is gone or fenced: forget it, and launch anew if the demand is still there
            decide("node " + hex(n.getNodeId()) + " (" + x.name + ", " + x.type.name() + ") is DEAD ("
                + n.getDeathReason() + "): no longer counted");
            managed.remove(x.name);
            break;
          }
        }
      }
    } else if (m.hasResources()) {
      ResourceReport r = m.getResources();
      reports.put(r.getNodeId(), r);
      if (isIdle(r)) {
        idleSince.putIfAbsent(r.getNodeId(), now);
      } else {
        idleSince.remove(r.getNodeId());
      }
    }
  }

  /** Nothing leased (all of it available) and nothing queued: Ray's idle, on logical resources. */
  private static boolean isIdle(ResourceReport r) {
    if (r.getDemandCount() > 0) {
      return false;
    }
    for (var e : r.getTotalMap().entrySet()) {
      if (r.getAvailableMap().getOrDefault(e.getKey(), 0.0) < e.getValue() - 1e-9) {
        return false;
      }
    }
    return true;
  }

  private void round() {
    long now = System.currentTimeMillis();
    // launched nodes that registered are running now; those that never do are given up on
    for (Managed x : List.copyOf(managed.values())) {
      if (x.state == State.STARTED) {
        for (NodeInfo n : alive.values()) {
          if (provider.isNode(x.node, n)) {
            x.state = State.RUNNING;
            x.nodeId = n.getNodeId();
            decide("node " + hex(n.getNodeId()) + " (" + x.name + ", " + x.type.name() + ") registered "
                + (now - x.sinceMs) + " ms after its launch");
            x.sinceMs = now;
            break;
          }
        }
        if (x.state == State.STARTED && now - x.sinceMs > launchTimeoutMs) {
          terminate(x, "did not register with GCS within " + launchTimeoutMs + " ms of its launch");
        }
      }
    }
    Map<ByteString, Managed> byNode = new HashMap<>();
    managed.values().stream().filter(x -> x.nodeId != null).forEach(x -> byNode.put(x.nodeId, x));
    List<ClusterNode> nodes = new ArrayList<>();
    for (NodeInfo n : alive.values()) {
      Managed x = byNode.get(n.getNodeId());
      if (x != null && x.state == State.TERMINATING) {
        continue;
      }
      ResourceReport r = reports.get(n.getNodeId());
      Map<String, Double> total = r != null ? r.getTotalMap() : n.getTotalResourcesMap();
      Map<String, Double> available = r != null ? r.getAvailableMap() : n.getTotalResourcesMap();
      Long idle = idleSince.get(n.getNodeId());
      // idle time counts from when it registered at the earliest, so a new node is not taken for an old idle one
      long idleFor = idle == null ? 0 : now - Math.max(idle, x != null ? x.sinceMs : idle);
      nodes.add(new ClusterNode(hex(n.getNodeId()), x != null ? x.type.name() : null, n.getIsHead(), total, available,
          idleFor));
    }
    Map<String, Integer> pending = new HashMap<>();
    managed.values().stream().filter(x -> x.state == State.LAUNCHING || x.state == State.STARTED)
        .forEach(x -> pending.merge(x.type.name(), 1, Integer::sum));
    ScalingPlan plan = policy.decide(nodes, pending, demand());
    Set<String> nowStanding = new HashSet<>();
    for (String d : plan.decisions()) {
      if (d.startsWith("launch ") || d.startsWith("terminate ")) {
        decide(d);
      } else {
        nowStanding.add(d);
        if (!standing.contains(d)) {
          decide(d);
        }
      }
    }
    standing = nowStanding;
    lastDemand = plan.demand();
    for (ScalingPlan.Termination t : plan.terminations()) {
      Managed x = managed.values().stream().filter(m -> m.nodeId != null && hex(m.nodeId).equals(t.nodeId()))
          .findFirst().orElse(null);
      if (x != null) {
        terminate(x, t.reason());
      }
    }
    plan.launches().forEach((type, count) -> {
      for (int i = 0; i < count; i++) {
        launch(config.nodeTypes().get(type));
      }
    });
    writeStatus(now);
  }

  /** The demand of every alive node's latest report, summed by shape. */
  private List<Demand> demand() {
    Map<Map<String, Double>, Integer> byShape = new LinkedHashMap<>();
    for (ByteString id : alive.keySet()) {
      ResourceReport r = reports.get(id);
      if (r != null) {
        for (ResourceDemand d : r.getDemandList()) {
          byShape.merge(d.getShapeMap(), d.getCount(), (a, b) -> (int) Math.min(Integer.MAX_VALUE, (long) a + b));
        }
      }
    }
    List<Demand> out = new ArrayList<>();
    byShape.forEach((shape, count) -> out.add(new Demand(shape, count)));
    return out;
  }

  private void launch(NodeType type) {
    String name = LocalNodeProvider.NAME_PREFIX + type.name() + "-" + (++launched);
    Managed x = new Managed(name, type, System.currentTimeMillis());
    managed.put(name, x);
    calls.execute(() -> {
      try {
        ProvidedNode node = provider.launch(type, name);
        loop.execute(() -> {
          x.node = node;
          x.state = State.STARTED;
          LOG.info("launched {} ({}) in {} ms; waiting for it to register", name, type.name(),
              System.currentTimeMillis() - x.sinceMs);
        });
      } catch (Exception e) {
        loop.execute(() -> {
          managed.remove(name);
          decide("launch of " + name + " (" + type.name() + ") failed: " + e.getMessage());
        });
      }
    });
  }

  private void terminate(Managed x, String reason) {
    x.state = State.TERMINATING;
    x.sinceMs = System.currentTimeMillis();
    if (x.node == null) {
      return; // the policy only terminates registered nodes, and a timeout only started ones
    }
    if (!reason.startsWith("idle")) {
      decide("terminate " + x.name + " (" + x.type.name() + "): " + reason);
    }
    ProvidedNode node = x.node;
    calls.execute(() -> {
      String error = null;
      try {
        provider.terminate(node);
      } catch (Exception e) {
        error = e.getMessage();
      }
      String failed = error;
      loop.execute(() -> {
        managed.remove(x.name);
        if (failed != null) {
          decide("terminating " + x.name + " (" + x.type.name() + ") failed: " + failed);
        } else {
          LOG.info("terminated {} ({}){}", x.name, x.type.name(), x.nodeId != null ? ", node " + hex(x.nodeId) : "");
        }
      });
    });
  }

  private void decide(String text) {
    LOG.info("decision: {}", text);
    decisions.addLast(AutoscalerDecision.newBuilder().setTimeMs(System.currentTimeMillis()).setText(text).build());
    while (decisions.size() > DECISIONS_KEPT) {
      decisions.removeFirst();
    }
  }

  private void writeStatus(long now) {
    if (statusInFlight) {
      return;
    }
    AutoscalerStatus.Builder s = AutoscalerStatus.newBuilder().setTimeMs(now).setConfigFile(config.file().toString())
        .setProvider(provider.name()).setPid(ProcessHandle.current().pid()).setUpdateIntervalMs(intervalMs);
    for (NodeType t : config.nodeTypes().values()) {
      int running = 0;
      int pending = 0;
      int idle = 0;
      for (Managed x : managed.values()) {
        if (x.type != t) {
          continue;
        }
        if (x.state == State.RUNNING) {
          running++;
          idle += idleSince.containsKey(x.nodeId) ? 1 : 0;
        } else if (x.state != State.TERMINATING) {
          pending++;
        }
      }
      s.addNodeTypes(NodeTypeStatus.newBuilder().setName(t.name()).putAllResources(t.resources())
          .setMinWorkers(t.minWorkers()).setMaxWorkers(t.maxWorkers()).setRunning(running).setPending(pending)
          .setIdle(idle));
    }
    for (Managed x : managed.values()) {
      if (x.state != State.RUNNING) {
        s.addPendingLaunches(PendingLaunch.newBuilder().setName(x.name).setNodeType(x.type.name())
            .setState(x.state.name()).setSinceMs(x.sinceMs));
      }
    }
    for (ScalingPlan.Outcome o : lastDemand) {
      s.addDemand(DemandStatus.newBuilder().putAllShape(o.demand().shape()).setCount(o.demand().count())
          .setInfeasible(o.infeasible()).setOutcome(o.outcome()));
    }
    s.addAllDecisions(decisions);
    statusInFlight = true;
    ByteString value = s.build().toByteString();
    Thread.ofVirtual().name("autoscaler-status").start(() -> {
      try {
        gcs.kvPut(STATUS_KEY, value, true);
      } catch (RuntimeException e) {
        LOG.warn("cannot write the autoscaler status to GCS: {}", e.getMessage());
      } finally {
        loop.execute(() -> statusInFlight = false);
      }
    });
  }

  private static String hex(ByteString nodeId) {
    return ProtoIds.nodeId(nodeId).hex();
  }

  @Override
  public void close() {
    loop.close();
    calls.shutdownNow();
  }
}
