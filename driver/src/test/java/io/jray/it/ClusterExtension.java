package io.jray.it;

import io.grpc.ManagedChannel;
import io.jray.api.JRay;
import io.jray.api.NodeId;
import io.jray.api.SchedulingStrategy;
import io.jray.common.config.JRayConfig;
import io.jray.common.grpc.Rpc;
import io.jray.common.process.ClusterLauncher;
import io.jray.common.process.LocalCluster;
import io.jray.common.process.NodeOptions;
import io.jray.common.process.PidFiles;
import io.jray.common.session.SessionDir;
import io.jray.objectstore.ArenaFile;
import io.jray.proto.GetNodeStatsReply;
import io.jray.proto.GetNodeStatsRequest;
import io.jray.proto.NodeManagerServiceGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real cluster for one test class: GCS and raylet JVMs started by the same launcher the CLI uses,
 * optionally with this JVM connected as the driver. Sessions go under {@code jray.session.root}
 * (target/jray-sessions in the build), so their logs stay for a look after a failure.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(2))
 *     .node(NodeOptions.defaults().withCpus(1)).workerHeap("512m").driver();
 * }</pre>
 *
 * <p>Before the class's {@code @BeforeAll} methods it starts the head and the extra nodes (with the
 * {@link #property} system properties set while they start, so the JVMs it launches get them) and,
 * with {@link #driver()}, calls {@code JRay.init}; with {@link #driverPerTest()} every test gets a
 * driver (a job) of its own instead. If start-up fails part way, whatever it started is stopped.
 *
 * <p>After the class's {@code @AfterAll} methods it shuts the driver down and stops the cluster the
 * way a user's {@code jray stop} would: SIGTERM to the raylets, then to GCS. Then it fails the class,
 * naming what was left, if a raylet or GCS did not exit within {@value #EXIT_SECONDS} s, a stopped
 * raylet did not remove its arena, a JRay process of the class's sessions (their pid files) or a
 * JRay child of this JVM is still alive after that long, or an arena file made during the class is
 * still in /dev/shm. Arenas of raylets the test killed with kill -9 are removed without complaint:
 * that is how they are left by design. Whatever was left is then killed and removed, so the next
 * class starts clean.
 *
 * <p>With {@link #inNetworkNamespaces()} nodes get addresses of their own and a test can cut a
 * node's link ({@link NetworkNamespaces}); the namespaces are healed before the stop and removed
 * after it, whatever the outcome.
 */
final class ClusterExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
  static final int EXIT_SECONDS = 15;
  /** How long stopped processes get to exit before they count as left behind (shorter in ClusterExtensionIT). */
  long exitWaitSeconds = EXIT_SECONDS;
  private static final Path SHM = Path.of("/dev/shm");

  private enum Driver { NONE, PER_CLASS, PER_TEST }

  private final NodeOptions head;
  private final List<NodeOptions> nodes = new ArrayList<>();
  private final Map<String, String> properties = new LinkedHashMap<>();
  private Driver driver = Driver.NONE;
  private boolean inNamespaces;
  private NetworkNamespaces namespaces;

  /** A node in a network namespace of its own: its raylet and the namespace that can be cut. */
  record NamespacedNode(ClusterLauncher.Started raylet, NetworkNamespaces.Namespace ns) {}

  private LocalCluster cluster;
  private Set<Path> sessionsBefore;
  private Set<String> arenasBefore;
  private boolean connected;

  private ClusterExtension(NodeOptions head) {
    this.head = head;
  }

  /** A cluster of one head node; add more with {@link #node}. */
  static ClusterExtension head(NodeOptions head) {
    return new ClusterExtension(head);
  }

  /** Another node (raylet) started after the head, in the order given. */
  ClusterExtension node(NodeOptions node) {
    nodes.add(node);
    return this;
  }

  /** {@code count} more nodes like {@code node}. */
  ClusterExtension nodes(int count, NodeOptions node) {
    for (int i = 0; i < count; i++) {
      nodes.add(node);
    }
    return this;
  }

  /** A {@code -Djray.*} system property set while the cluster starts and the driver connects. */
  ClusterExtension property(String name, String value) {
    properties.put(name, value);
    return this;
  }

  /** The heap of every worker JVM the nodes start (large objects need more than the default). */
  ClusterExtension workerHeap(String heap) {
    return property("jray.worker.heap", heap);
  }

  /**
   * Nodes get network addresses of their own ({@link NetworkNamespaces}, root only): the head
   * raylet and this JVM's driver are reached at {@value NetworkNamespaces#HOST_IP} (a bridge on
   * the host), and nodes added with {@link #addNodeInNamespace} each run in a namespace whose link
   * a test can cut. Everything made for it is removed when the cluster stops.
   */
  ClusterExtension inNetworkNamespaces() {
    inNamespaces = true;
    return property("jray.node-ip-address", NetworkNamespaces.HOST_IP);
  }

  /** This JVM connects as the driver once for the whole class. */
  ClusterExtension driver() {
    driver = Driver.PER_CLASS;
    return this;
  }

  /** This JVM connects as a new driver (a job of its own) before each test and shuts it down after. */
  ClusterExtension driverPerTest() {
    driver = Driver.PER_TEST;
    return this;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stop();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (driver == Driver.PER_TEST) {
      connect();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (driver == Driver.PER_TEST) {
      disconnect();
    }
  }

  /** Starts the cluster (and the class's driver); on any failure stops what it started, then throws. */
  void start() {
    if (cluster != null) {
      throw new IllegalStateException("cluster already started");
    }
    sessionsBefore = sessions();
    arenasBefore = arenas();
    try {
      if (inNamespaces) {
        namespaces = NetworkNamespaces.create();
      }
      NodeOptions headNode = inNamespaces ? head.withHost(NetworkNamespaces.HOST_IP) : head;
      withProperties(() -> {
        cluster = LocalCluster.start(root(), 0, headNode, false);
        for (NodeOptions n : nodes) {
          cluster.addNode(n);
        }
      });
      if (driver == Driver.PER_CLASS) {
        connect();
      }
    } catch (RuntimeException | Error e) {
      try {
        stop();
      } catch (RuntimeException | Error left) {
        e.addSuppressed(left);
      }
      throw e;
    }
  }

  private void connect() {
    if (JRay.isInitialized()) {
      throw new IllegalStateException("JRay is already initialized in this JVM: an earlier test left its driver"
          + " connected, and init would keep that connection instead of joining this cluster");
    }
    System.setProperty(JRayConfig.AUTH_TOKEN.propertyName(), cluster.token());
    connected = true;
    withProperties(() -> JRay.init(cluster.gcsAddress()));
  }

  private void disconnect() {
    if (connected) {
      connected = false;
      try {
        JRay.shutdown();
      } finally {
        System.clearProperty(JRayConfig.AUTH_TOKEN.propertyName());
      }
    }
  }

  private void withProperties(Runnable body) {
    Map<String, String> old = new LinkedHashMap<>();
    properties.forEach((k, v) -> old.put(k, System.setProperty(k, v)));
    try {
      body.run();
    } finally {
      old.forEach((k, v) -> {
        if (v == null) {
          System.clearProperty(k);
        } else {
          System.setProperty(k, v);
        }
      });
    }
  }

  /**
   * Shuts the driver down, stops the cluster, and throws an {@link AssertionError} naming every
   * process and arena file left behind (after removing them).
   */
  void stop() {
    if (namespaces == null) {
      stopCluster();
      return;
    }
    namespaces.healAll(); // so that what is stopped can still reach GCS to say so
    try {
      stopCluster();
    } finally {
      namespaces.close();
      namespaces = null;
    }
  }

  private void stopCluster() {
    List<String> left = new ArrayList<>();
    RuntimeException failure = null;
    try {
      disconnect();
    } catch (RuntimeException e) {
      failure = e;
    }
    Set<Path> sessions = new TreeSet<>(sessions());
    sessions.removeAll(sessionsBefore);
    // Raylets already dead were killed by the test (kill -9): their arenas stay by design.
    for (Map.Entry<String, Long> p : recordedPids(sessions).entrySet()) {
      if (p.getKey().startsWith("raylet") && ProcessHandle.of(p.getValue()).filter(ProcessHandle::isAlive).isEmpty()) {
        removeArenasOf(p.getValue());
      }
    }
    if (cluster != null) {
      List<ClusterLauncher.Started> alive = cluster.raylets().stream().filter(r -> r.process().isAlive()).toList();
      alive.forEach(r -> r.process().destroy());
      for (ClusterLauncher.Started r : alive) {
        awaitExit(r, left);
      }
      for (ClusterLauncher.Started r : alive) {
        String arena = r.ready().get("arena");
        if (arena != null && Files.exists(Path.of(arena))) {
          left.add("arena " + arena + " of " + r.name() + " (pid " + r.pid() + "), not removed when it stopped");
        }
      }
      cluster.gcs().process().destroy();
      awaitExit(cluster.gcs(), left);
    }
    List<ProcessHandle> processes = awaitGone(sessions);
    for (ProcessHandle h : processes) {
      left.add("process " + describe(h, sessions) + ", alive " + exitWaitSeconds + " s after the cluster stopped");
    }
    // Now make sure of it, whatever the outcome, so the next class starts clean.
    if (cluster != null) {
      cluster.stop();
      cluster = null;
    }
    processes.forEach(ProcessHandle::destroyForcibly);
    Set<String> arenas = arenas();
    arenas.removeAll(arenasBefore);
    for (String a : arenas) {
      left.add("arena file " + SHM.resolve(a));
      try {
        Files.deleteIfExists(SHM.resolve(a));
      } catch (IOException ignored) {
        // named in the failure
      }
    }
    if (!left.isEmpty()) {
      AssertionError e = new AssertionError("the cluster left behind:\n  " + String.join("\n  ", left));
      if (failure != null) {
        e.addSuppressed(failure);
      }
      throw e;
    }
    if (failure != null) {
      throw failure;
    }
  }

  private void awaitExit(ClusterLauncher.Started p, List<String> left) {
    try {
      if (!p.process().waitFor(exitWaitSeconds, TimeUnit.SECONDS)) {
        left.add(p.name() + " (pid " + p.pid() + ") did not exit within " + exitWaitSeconds + " s of SIGTERM");
        p.process().destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.process().destroyForcibly();
    }
  }

  /** The JRay processes of these sessions and the JRay children of this JVM still alive after waiting. */
  private List<ProcessHandle> awaitGone(Set<Path> sessions) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(exitWaitSeconds);
    while (true) {
      List<ProcessHandle> alive = liveJRayProcesses(sessions);
      if (alive.isEmpty() || System.nanoTime() > deadline) {
        return alive;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return alive;
      }
    }
  }

  private static List<ProcessHandle> liveJRayProcesses(Set<Path> sessions) {
    Map<Long, ProcessHandle> out = new LinkedHashMap<>();
    for (Path s : sessions) {
      PidFiles.live(SessionDir.open(s)).forEach(h -> out.put(h.pid(), h));
    }
    ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).filter(PidFiles::isJRay)
        .forEach(h -> out.put(h.pid(), h));
    return List.copyOf(out.values());
  }

  private static String describe(ProcessHandle h, Set<Path> sessions) {
    String main = Stream.of(PidFiles.commandLine(h).split(" ")).filter(t -> t.startsWith("io.jray.")).findFirst()
        .orElse("?");
    String recorded = recordedPids(sessions).entrySet().stream().filter(e -> e.getValue() == h.pid())
        .map(Map.Entry::getKey).findFirst().orElse("not in a pid file, a child of this JVM");
    return h.pid() + " (" + main + ", " + recorded + ")";
  }

  /** pid file name (session/name) → pid, for every pid file of these sessions. */
  private static Map<String, Long> recordedPids(Set<Path> sessions) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (Path s : sessions) {
      try (Stream<Path> files = Files.list(SessionDir.open(s).pids())) {
        for (Path f : files.filter(p -> p.toString().endsWith(".pid")).toList()) {
          String name = f.getFileName().toString();
          try {
            out.put(name.substring(0, name.length() - 4) + " of " + s.getFileName(),
                Long.parseLong(Files.readString(f).trim()));
          } catch (IOException | NumberFormatException ignored) {
            // gone or half written: nothing to check
          }
        }
      } catch (IOException | IllegalArgumentException ignored) {
        // a session without pids
      }
    }
    // keys start with the file name: "raylet-2 of session_..."
    return out;
  }

  private static void removeArenasOf(long pid) {
    for (String a : arenas()) {
      if (a.startsWith(ArenaFile.PREFIX + pid + "-")) {
        try {
          Files.deleteIfExists(SHM.resolve(a));
        } catch (IOException ignored) {
          // named by the check below
        }
      }
    }
  }

  private static Path root() {
    return Path.of(JRayConfig.get(JRayConfig.SESSION_ROOT));
  }

  static Set<Path> sessions() {
    if (!Files.isDirectory(root())) {
      return new TreeSet<>();
    }
    try (Stream<Path> dirs = Files.list(root())) {
      return dirs.filter(d -> d.getFileName().toString().startsWith("session_") && !Files.isSymbolicLink(d))
          .collect(Collectors.toCollection(TreeSet::new));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Set<String> arenas() {
    if (!Files.isDirectory(SHM)) {
      return new TreeSet<>();
    }
    try (Stream<Path> files = Files.list(SHM)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(ArenaFile.PREFIX))
          .collect(Collectors.toCollection(TreeSet::new));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- what the tests use ----

  LocalCluster local() {
    return cluster;
  }

  String gcsAddress() {
    return cluster.gcsAddress();
  }

  String token() {
    return cluster.token();
  }

  SessionDir session() {
    return cluster.session();
  }

  ClusterLauncher.Started gcs() {
    return cluster.gcs();
  }

  /** The raylets started so far, the head's first. */
  List<ClusterLauncher.Started> raylets() {
    return cluster.raylets();
  }

  /** The raylet started {@code i}-th (0 is the head's). */
  ClusterLauncher.Started raylet(int i) {
    return cluster.raylets().get(i);
  }

  /** Adds a node now; it is stopped with the others after the class. */
  ClusterLauncher.Started addNode(NodeOptions node) {
    return cluster.addNode(node);
  }

  /**
   * Adds a node in a new network namespace (needs {@link #inNetworkNamespaces}); it reaches GCS
   * over the bridge and is stopped with the others after the class.
   */
  NamespacedNode addNodeInNamespace(NodeOptions node) {
    if (namespaces == null) {
      throw new IllegalStateException("the cluster was not made with inNetworkNamespaces()");
    }
    NetworkNamespaces.Namespace ns = namespaces.add();
    List<ClusterLauncher.Started> started = new ArrayList<>(1);
    withProperties(() -> started.add(cluster.addNode(node.withHost(ns.ip),
        NetworkNamespaces.HOST_IP + ":" + cluster.gcs().port(), ns.wrapper())));
    return new NamespacedNode(started.get(0), ns);
  }

  /** What a raylet reports about itself (resources, workers, store), asked over real gRPC. */
  GetNodeStatsReply nodeStats(ClusterLauncher.Started raylet) {
    ManagedChannel ch = Rpc.channel("127.0.0.1", raylet.port(), cluster.token());
    try {
      return NodeManagerServiceGrpc.newBlockingStub(ch).getNodeStats(GetNodeStatsRequest.getDefaultInstance());
    } finally {
      ch.shutdownNow();
    }
  }

  /** The head raylet's report. */
  GetNodeStatsReply nodeStats() {
    return nodeStats(raylet(0));
  }

  /** The node id (hex) of a raylet this cluster started. */
  static String nodeHex(ClusterLauncher.Started raylet) {
    return raylet.ready().get("node_id");
  }

  /** Only on that raylet's node. */
  static SchedulingStrategy on(ClusterLauncher.Started raylet) {
    return SchedulingStrategy.nodeAffinity(NodeId.fromHex(nodeHex(raylet)), false);
  }

  /** Preferably on that raylet's node; elsewhere once it is gone (so a re-execution has somewhere to run). */
  static SchedulingStrategy near(ClusterLauncher.Started raylet) {
    return SchedulingStrategy.nodeAffinity(NodeId.fromHex(nodeHex(raylet)), true);
  }
}
