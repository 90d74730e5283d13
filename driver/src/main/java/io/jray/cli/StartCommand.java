package io.jray.cli;

import io.jray.autoscaler.AutoscalingConfig;
import io.jray.autoscaler.AutoscalingConfigFile;
import io.jray.common.config.JRayConfig;
import io.jray.common.grpc.AuthToken;
import io.jray.common.grpc.TlsConfig;
import io.jray.common.process.ClusterLauncher;
import io.jray.common.process.NodeOptions;
import io.jray.common.process.ResourceSpec;
import io.jray.common.session.SessionDir;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jray start --head} starts GCS and a raylet in the background and prints how to connect;
 * {@code jray start --address H:P} adds a raylet to a running cluster.
 */
@Command(name = "start", mixinStandardHelpOptions = true, description = "Start a head node (GCS + raylet) or add a node to a cluster.")
final class StartCommand implements Callable<Integer> {
  @Option(names = "--head", description = "start GCS and a raylet (a new cluster)")
  boolean head;

  @Option(names = "--address", paramLabel = "HOST:PORT", description = "GCS of the cluster to join")
  String address;

  @Option(names = "--port", description = "GCS port for --head (default: jray.gcs.port, 6380; 0 = any free port)")
  Integer port;

  @Option(names = "--gcs-storage-dir", paramLabel = "DIR",
      description = "GCS's RocksDB for --head (default: <session>/gcs-storage, new each start); give the directory of"
          + " an earlier head to keep its jobs, detached actors and KV")
  Path gcsStorageDir;

  @Option(names = "--dashboard-port", description = "port of the dashboard, its /api/ and GCS's /metrics, for --head"
      + " (default: jray.dashboard.port, 8265; taken: any free port, which jray status shows)")
  Integer dashboardPort;

  @Option(names = "--dashboard-host", description = "address the dashboard listens on, for --head (default:"
      + " jray.dashboard.host, 0.0.0.0; 127.0.0.1: this machine only)")
  String dashboardHost;

  @Option(names = "--num-cpus", description = "CPUs this node offers (default: the core count)")
  Double numCpus;

  @Option(names = "--resources", paramLabel = "JSON", description = "custom resources, e.g. '{\"accel\":2}'")
  String resources;

  @Option(names = "--object-store-memory", paramLabel = "BYTES",
      description = "object store size of this node (default: jray.object-store.memory, 30% of RAM)")
  long objectStoreMemory;

  @Option(names = "--object-store-dir", paramLabel = "DIR",
      description = "where the arena file goes (default: jray.object-store.dir, /dev/shm)")
  String objectStoreDir;

  @Option(names = "--spill-dir", paramLabel = "DIR",
      description = "where objects spill to (default: <session>/spill/<node>)")
  String spillDir;

  @Option(names = "--node-ip-address", description = "address other processes reach this node at (default"
      + " 127.0.0.1; with --block in a container, the container's own address)")
  String host;

  @Option(names = "--block", description = "stay in the foreground until SIGTERM or Ctrl-C, then stop this node's"
      + " processes (for containers); exits non-zero if one of them dies")
  boolean block;

  @Option(names = "--autoscaling-config", paramLabel = "FILE", description = "with --head: run the autoscaler"
      + " beside GCS, launching and stopping worker nodes as this cluster file says (see deploy/autoscaler-local.yaml)")
  Path autoscalingConfig;

  @Mixin
  TlsOptions tlsOptions = new TlsOptions();

  /** The session file that names the cluster file a head's autoscaler runs with ({@code jray down} finds it by it). */
  static final String AUTOSCALING_CONFIG_FILE = "autoscaling-config";

  private static String dashboardUrl(String gcsAddress, SessionDir session) {
    try (io.jray.common.gcs.GcsClient gcs = new io.jray.common.gcs.GcsClient(gcsAddress, session.token())) {
      int http = gcs.gcsInfo().getHttpPort();
      return http > 0 ? "http://" + gcsAddress.substring(0, gcsAddress.lastIndexOf(':')) + ":" + http + "/"
          : "none (metrics.enabled=false, or its port could not be bound: see logs/gcs.log)";
    } catch (RuntimeException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  @Override
  public Integer call() {
    if (host == null) {
      host = block ? ContainerAddress.defaultFor() : "127.0.0.1";
    }
    if (head == (address != null)) {
      throw new IllegalArgumentException("give exactly one of --head or --address HOST:PORT");
    }
    if ((dashboardPort != null || dashboardHost != null) && !head) {
      throw new IllegalArgumentException("--dashboard-port and --dashboard-host are for --head only: GCS serves the"
          + " dashboard");
    }
    if (dashboardPort != null && (dashboardPort < 0 || dashboardPort > 65535)) {
      throw new IllegalArgumentException("--dashboard-port must be 0..65535, got " + dashboardPort);
    }
    if (autoscalingConfig != null && !head) {
      throw new IllegalArgumentException("--autoscaling-config is for --head only: the autoscaler runs beside GCS");
    }
    // a bad cluster file starts nothing
    AutoscalingConfig autoscaling = autoscalingConfig == null ? null : AutoscalingConfigFile.read(autoscalingConfig);
    if (gcsStorageDir != null && !head) {
      throw new IllegalArgumentException("--gcs-storage-dir is for --head only: the GCS runs on the head node");
    }
    if (numCpus != null && (!Double.isFinite(numCpus) || numCpus < 0)) {
      throw new IllegalArgumentException("--num-cpus must be finite and >= 0, got " + numCpus);
    }
    NodeOptions node = new NodeOptions(numCpus, ResourceSpec.parse(resources), objectStoreMemory, host,
        objectStoreDir, spillDir);
    Path root = Path.of(JRayConfig.get(JRayConfig.SESSION_ROOT));
    if (head) {
      TlsConfig tls = tlsOptions.apply(host);
      // the GCS JVM (and its restarts) gets these as -Djray.* properties
      if (dashboardPort != null) {
        System.setProperty(JRayConfig.DASHBOARD_PORT.propertyName(), dashboardPort.toString());
      }
      if (dashboardHost != null) {
        System.setProperty(JRayConfig.DASHBOARD_HOST.propertyName(), dashboardHost);
      }
      SessionDir session = SessionDir.create(root, tokenOrNew(), true);
      session.writeTls(tls);
      ClusterLauncher.Started gcs = ClusterLauncher.startSupervisedGcs(session,
          port != null ? port : JRayConfig.getInt(JRayConfig.GCS_PORT), gcsStorageDir);
      String gcsAddress = host + ":" + gcs.port();
      session.writeGcsAddress(gcsAddress);
      ClusterLauncher.Started raylet;
      try {
        raylet = ClusterLauncher.startRaylet(session, "raylet", gcsAddress, node, true);
      } catch (RuntimeException e) {
        gcs.process().destroy();
        throw e;
      }
      ClusterLauncher.Started autoscaler = null;
      if (autoscaling != null) {
        try {
          session.write(AUTOSCALING_CONFIG_FILE, autoscaling.file().toString());
          autoscaler = ClusterLauncher.startAutoscaler(session, gcsAddress, autoscaling.file());
        } catch (RuntimeException e) {
          raylet.process().destroy();
          gcs.process().destroy();
          throw e;
        }
      }
      System.out.println("JRay head node started.");
      System.out.println("  GCS address:       " + gcsAddress + " (pid " + gcs.ready().get("pid") + ", restarted by"
          + " its supervisor, pid " + gcs.pid() + ", if it dies)");
      System.out.println("  GCS storage:       " + (gcsStorageDir != null ? gcsStorageDir.toAbsolutePath()
          : session.path().resolve("gcs-storage")));
      System.out.println("  raylet:            node " + raylet.ready().get("node_id") + " on port " + raylet.port()
          + " (pid " + raylet.pid() + ")");
      System.out.println("  transport:         " + tls);
      System.out.println("  dashboard:         " + dashboardUrl(gcsAddress, session) + " (open it once as"
          + " /?token=TOKEN, the token in " + session.path().resolve("token") + ")");
      if (autoscaler != null) {
        System.out.println("  autoscaler:        pid " + autoscaler.pid() + ", " + autoscaling.provider().type()
            + " provider, node types " + String.join(", ", autoscaling.nodeTypes().keySet()) + " from "
            + autoscaling.file() + " (decisions in jray status and logs/autoscaler.log)");
      }
      System.out.println("  session directory: " + session.path() + "  (logs in " + session.logs() + ")");
      System.out.println();
      System.out.println("Connect a driver on this machine:  JRay.init()  (finds this cluster through "
          + root.resolve(SessionDir.LATEST) + ")");
      System.out.println("  or: bin/jray submit --address " + gcsAddress + " -- java -cp app.jar Main");
      System.out.println("Add a node:   bin/jray start --address " + gcsAddress
          + "   (other machines: JRAY_AUTH_TOKEN=$(cat " + session.path().resolve("token") + "))");
      System.out.println("Status:       bin/jray status        Stop: bin/jray stop");
      if (block) {
        // raylet first (its workers follow), then the supervisor, which stops GCS for good
        java.util.List<ProcessHandle> stopOrder = new java.util.ArrayList<>();
        if (autoscaler != null) {
          stopOrder.add(autoscaler.process().toHandle()); // before it could replace the nodes going away
        }
        stopOrder.addAll(java.util.List.of(raylet.process().toHandle(), gcs.process().toHandle()));
        return new ForegroundNode(stopOrder).blockUntilStopped();
      }
      return 0;
    }
    SessionDir session = sessionFor(address, root);
    if (tlsOptions.cert == null && tlsOptions.key == null && tlsOptions.ca == null) {
      TlsConfig.adoptUnlessSet(session.tls()); // a node joining a cluster started here talks the way it does
    }
    TlsConfig tls = tlsOptions.apply(host);
    session.writeTls(tls);
    int n = 2;
    while (session.pids().resolve("raylet-" + n + ".pid").toFile().exists()) {
      n++;
    }
    ClusterLauncher.Started raylet = ClusterLauncher.startRaylet(session, "raylet-" + n, address, node, false);
    System.out.println("JRay node started: node " + raylet.ready().get("node_id") + " on port " + raylet.port()
        + " (pid " + raylet.pid() + "), joined " + address + " over " + tls + "; logs in " + session.logs());
    if (block) {
      return new ForegroundNode(java.util.List.of(raylet.process().toHandle())).blockUntilStopped();
    }
    return 0;
  }

  private static String tokenOrNew() {
    String t = JRayConfig.get(JRayConfig.AUTH_TOKEN);
    return t.isBlank() ? AuthToken.generate() : t;
  }

  /** The session of the cluster at {@code address} if it was started here, else a new one with the given token. */
  private static SessionDir sessionFor(String address, Path root) {
    Optional<SessionDir> latest = SessionDir.latest();
    if (latest.isPresent() && latest.get().gcsAddress().map(address::equals).orElse(false)) {
      return latest.get();
    }
    String token = JRayConfig.get(JRayConfig.AUTH_TOKEN);
    if (token.isBlank()) {
      throw new IllegalArgumentException("no cluster at " + address + " was started on this machine: set"
          + " JRAY_AUTH_TOKEN to the content of the head node's <session>/token file");
    }
    SessionDir s = SessionDir.create(root, token, false);
    s.writeGcsAddress(address);
    return s;
  }
}
