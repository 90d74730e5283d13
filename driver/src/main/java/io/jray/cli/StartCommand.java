package io.jray.cli;

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

  @Option(names = "--node-ip-address", description = "address other processes reach this node at (default ${DEFAULT-VALUE})",
      defaultValue = "127.0.0.1")
  String host;

  @Mixin
  TlsOptions tlsOptions = new TlsOptions();

  @Override
  public Integer call() {
    if (head == (address != null)) {
      throw new IllegalArgumentException("give exactly one of --head or --address HOST:PORT");
    }
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
      System.out.println("JRay head node started.");
      System.out.println("  GCS address:       " + gcsAddress + " (pid " + gcs.ready().get("pid") + ", restarted by"
          + " its supervisor, pid " + gcs.pid() + ", if it dies)");
      System.out.println("  GCS storage:       " + (gcsStorageDir != null ? gcsStorageDir.toAbsolutePath()
          : session.path().resolve("gcs-storage")));
      System.out.println("  raylet:            node " + raylet.ready().get("node_id") + " on port " + raylet.port()
          + " (pid " + raylet.pid() + ")");
      System.out.println("  transport:         " + tls);
      System.out.println("  session directory: " + session.path() + "  (logs in " + session.logs() + ")");
      System.out.println();
      System.out.println("Connect a driver on this machine:  JRay.init()  (finds this cluster through "
          + root.resolve(SessionDir.LATEST) + ")");
      System.out.println("  or: bin/jray submit --address " + gcsAddress + " -- java -cp app.jar Main");
      System.out.println("Add a node:   bin/jray start --address " + gcsAddress
          + "   (other machines: JRAY_AUTH_TOKEN=$(cat " + session.path().resolve("token") + "))");
      System.out.println("Status:       bin/jray status        Stop: bin/jray stop");
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
