package io.jray.runtime;

import io.jray.common.proto.ProtoIds;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jray.api.JobId;
import io.jray.api.NodeId;
import io.jray.api.WorkerId;
import io.jray.common.config.JRayConfig;
import io.jray.common.gcs.GcsClient;
import io.jray.common.gcs.GcsUnavailableException;
import io.jray.common.grpc.TlsConfig;
import io.jray.common.process.LocalCluster;
import io.jray.common.process.NodeOptions;
import io.jray.common.session.SessionDir;
import io.jray.proto.Address;
import io.jray.proto.JobInfo;
import io.jray.proto.JobPackage;
import io.jray.proto.NodeInfo;
import io.jray.proto.NodeManagerServiceGrpc;
import io.jray.proto.RegisterDriverRequest;
import io.jray.proto.WorkerDeath;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a driver joins a cluster (DESIGN §3 {@code JRay.init}): the given address, else
 * {@code JRAY_ADDRESS}, else the cluster {@code jray start} left on this machine, else a local
 * cluster started for (and stopped with) this JVM. Then: register the job with its class path,
 * pick the raylet on this machine, and tell it a driver of the job is here.
 *
 * <p>Threads: runs on the thread of {@code JRay.init}; its GCS calls wait out an outage for up to
 * {@code gcs.reconnect-timeout-ms} there. The shutdown hook runs on the thread that shuts down.
 */
final class DriverConnection {
  private static final Logger LOG = LoggerFactory.getLogger(DriverConnection.class);

  private DriverConnection() {}

  static CoreWorker connect(String explicitAddress) {
    String address = explicitAddress;
    if (address == null || address.isBlank()) {
      address = JRayConfig.get(JRayConfig.ADDRESS);
    }
    LocalCluster owned = null;
    String token;
    if (address == null || address.isBlank()) {
      Optional<SessionDir> latest = SessionDir.latest();
      Optional<String> latestAddress = latest.flatMap(SessionDir::gcsAddress);
      // the cluster jray start left here may use TLS: talk to it the way its processes do
      boolean adopted = TlsConfig.adoptUnlessSet(latest.flatMap(SessionDir::tls));
      if (latestAddress.isPresent() && reachable(latestAddress.get(), latest.get().token())) {
        address = latestAddress.get();
        token = tokenFor(address);
      } else {
        if (adopted) {
          TlsConfig.PLAINTEXT.setSystemProperties(); // a stale session's settings are not this driver's
        }
        owned = LocalCluster.start(Path.of(JRayConfig.get(JRayConfig.SESSION_ROOT)), 0, NodeOptions.defaults(), false);
        address = owned.gcsAddress();
        token = owned.token();
        System.err.println("JRay: started a local cluster for this driver (GCS " + address + ", session "
            + owned.session() + ")");
      }
    } else {
      String a = address;
      TlsConfig.adoptUnlessSet(SessionDir.latest().filter(s -> s.gcsAddress().map(x -> sameAddress(x, a)).orElse(false))
          .flatMap(SessionDir::tls));
      token = tokenFor(address);
    }
    try {
      return join(address, token, owned);
    } catch (RuntimeException e) {
      if (owned != null) {
        owned.stop();
      }
      throw e;
    }
  }

  /** The token: {@code JRAY_AUTH_TOKEN}, else the token of the local session serving that address. */
  private static String tokenFor(String address) {
    String t = JRayConfig.get(JRayConfig.AUTH_TOKEN);
    if (!t.isBlank()) {
      return t;
    }
    Optional<SessionDir> latest = SessionDir.latest();
    if (latest.isPresent() && latest.get().gcsAddress().map(a -> sameAddress(a, address)).orElse(false)) {
      return latest.get().token();
    }
    throw new IllegalStateException("no cluster token for " + address + ": set JRAY_AUTH_TOKEN to the content of"
        + " the 'token' file in the cluster's session directory (/tmp/jray/session_latest/token on the head node)");
  }

  private static boolean sameAddress(String a, String b) {
    InetSocketAddress x = io.jray.common.grpc.Rpc.parseAddress(a);
    InetSocketAddress y = io.jray.common.grpc.Rpc.parseAddress(b);
    return x.getPort() == y.getPort() && (x.getHostString().equals(y.getHostString())
        || isLocal(x.getHostString()) && isLocal(y.getHostString()));
  }

  /** Whether {@code host} is an address of this machine (loopback, or one of its interfaces'). */
  static boolean onThisMachine(String host) {
    if (isLocal(host)) {
      return true;
    }
    try {
      java.net.InetAddress a = java.net.InetAddress.getByName(host);
      return a.isLoopbackAddress() || a.isAnyLocalAddress() || java.net.NetworkInterface.getByInetAddress(a) != null;
    } catch (IOException e) {
      return false; // an unresolvable name is nowhere here
    }
  }

  private static boolean isLocal(String host) {
    return host.equals("127.0.0.1") || host.equals("localhost") || host.equals("0.0.0.0");
  }

  /** One quick look: a stale session's GCS is gone for good, and then this driver starts its own. */
  private static boolean reachable(String address, String token) {
    try (GcsClient gcs = new GcsClient(address, token)) {
      gcs.withReconnectTimeout(Duration.ZERO).withCallTimeout(Duration.ofSeconds(2)).allNodes();
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static CoreWorker join(String gcsAddress, String token, LocalCluster owned) {
    GcsClient gcs = new GcsClient(gcsAddress, token);
    List<NodeInfo> nodes;
    try {
      nodes = gcs.allNodes();
    } catch (StatusRuntimeException e) {
      gcs.close();
      throw cannotReach(gcsAddress, e.getStatus(), e);
    } catch (GcsUnavailableException e) {
      gcs.close();
      throw cannotReach(gcsAddress, e.lastStatus(), e);
    }
    List<NodeInfo> alive = nodes.stream().filter(n -> n.getState() == NodeInfo.State.ALIVE).toList();
    if (alive.isEmpty()) {
      gcs.close();
      throw new IllegalStateException("the cluster at " + gcsAddress + " has no alive node; start one with"
          + " 'jray start --address " + gcsAddress + "'");
    }
    // the address workers and other nodes reach this driver at (its own objects are served from here)
    String host = JRayConfig.get(JRayConfig.NODE_IP_ADDRESS);
    // a driver maps its node's object store, so that node must run on this machine
    NodeInfo local = alive.stream().filter(n -> n.getHost().equals(host) || onThisMachine(n.getHost()))
        .sorted(Comparator.comparing((NodeInfo n) -> !n.getHost().equals(host))
            .thenComparing(n -> !isLocal(n.getHost())).thenComparing(n -> !n.getIsHead()))
        .findFirst().orElseThrow(() -> {
          gcs.close();
          return new IllegalStateException("no node of the cluster at " + gcsAddress + " runs on this machine (its"
              + " nodes are at " + alive.stream().map(NodeInfo::getHost).distinct().toList() + "), and a driver"
              + " reads objects through its node's shared memory: start a node here with 'jray start --address "
              + gcsAddress + "', or run the program on a node with 'jray submit'");
        });
    List<String> classpath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(s -> !s.isBlank()).map(s -> Path.of(s).toAbsolutePath().toString()).toList();
    List<JobPackage> packages;
    try {
      packages = PackageUpload.run(gcs, JobCode.of(System.getProperty("java.class.path"),
          JRayConfig.getLong(JRayConfig.JOB_CODE_MAX_BYTES)));
    } catch (RuntimeException e) {
      gcs.close();
      throw e;
    }
    long pid = ProcessHandle.current().pid();
    JobId jobId = gcs.addJob(JobInfo.newBuilder().setDriverHost(host).setDriverPid(pid).addAllClasspath(classpath)
        .addAllPackages(packages).setDriverNodeId(local.getNodeId()).build());
    ByteString jobBytes = ProtoIds.bytes(jobId);
    NodeId nodeId = ProtoIds.nodeId(local.getNodeId());
    Address raylet = Address.newBuilder().setHost(local.getHost()).setPort(local.getRayletPort())
        .setNodeId(local.getNodeId()).build();
    CoreWorker cw = new CoreWorker(true, jobId, nodeId, WorkerId.random(), raylet, host, token);
    cw.attachGcs(gcs);
    Address self;
    try {
      self = cw.start(token);
    } catch (IOException e) {
      gcs.close();
      throw new UncheckedIOException("cannot start the driver's gRPC endpoint", e);
    }
    var rayletChannel = io.jray.common.grpc.Rpc.channel(local.getHost(), local.getRayletPort(), token);
    try {
      cw.attachStore(NodeManagerServiceGrpc.newBlockingStub(rayletChannel).withDeadlineAfter(10, TimeUnit.SECONDS)
          .registerDriver(RegisterDriverRequest.newBuilder().setJobId(jobBytes).setPid(pid).setAddress(self)
              .setMetricsPort(cw.metricsPort()).build())
          .getStore());
    } finally {
      rayletChannel.shutdownNow();
    }
    DeathSubscription deaths = new DeathSubscription(gcs, cw, "driver-" + jobId);
    cw.onShutdown(() -> {
      // One attempt each: a shutdown does not wait out a GCS outage, and what it could not say is
      // said for it (the raylet ends the job, and frees the objects, when this process exits).
      GcsClient once = gcs.withReconnectTimeout(Duration.ZERO).withCallTimeout(Duration.ofSeconds(5));
      try {
        once.markJobFinished(jobId, "JRay.shutdown()");
      } catch (RuntimeException e) {
        LOG.warn("job {}: cannot tell GCS the job finished: {}", jobId, e.toString());
      }
      try {
        // nobody can reach this owner any more, though its JVM may run on: every node frees the
        // copies of its objects now rather than when the process exits
        once.reportWorkerDeath(WorkerDeath.newBuilder().setWorkerId(ProtoIds.bytes(cw.workerId()))
            .setNodeId(local.getNodeId()).setJobId(jobBytes).setIsDriver(true).setReason("JRay.shutdown()").build());
      } catch (RuntimeException e) {
        LOG.warn("job {}: cannot tell GCS the driver left; its objects are freed when its process exits: {}", jobId,
            e.toString());
      }
      gcs.close();
      deaths.close();
      if (owned != null) {
        owned.stop();
      }
    });
    LOG.info("driver of job {} connected to {} (node {})", jobId, gcsAddress, nodeId);
    return cw;
  }

  private static IllegalStateException cannotReach(String gcsAddress, Status status, RuntimeException cause) {
    return new IllegalStateException("cannot reach the JRay cluster at " + gcsAddress + ": " + status.getCode()
        + (status.getDescription() == null ? "" : " (" + status.getDescription() + ")")
        + ". Is it running? Start one with 'jray start --head', or call JRay.init() without an address.", cause);
  }
}
