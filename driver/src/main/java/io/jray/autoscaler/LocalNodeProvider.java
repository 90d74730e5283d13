package io.jray.autoscaler;

import io.jray.common.process.ClusterLauncher;
import io.jray.common.process.NodeOptions;
import io.jray.common.process.PidFiles;
import io.jray.common.proto.ProtoIds;
import io.jray.common.session.SessionDir;
import io.jray.proto.NodeInfo;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Worker nodes as raylet processes on this machine, started as {@code jray start --address} starts
 * them (same launcher, session and pid files, so {@code jray stop} stops them too). Stopping one is
 * SIGTERM (the raylet stops its workers and unregisters from GCS), SIGKILL after 10 s.
 */
final class LocalNodeProvider implements NodeProvider {
  /** Pid file names of the nodes it starts: {@code jray down} finds them by it. */
  static final String NAME_PREFIX = "autoscaled-";
  private static final long GRACE_SECONDS = 10;

  private final SessionDir session;
  private final String gcsAddress;
  private final String host;

  LocalNodeProvider(SessionDir session, String gcsAddress) {
    this.session = session;
    this.gcsAddress = gcsAddress;
    this.host = gcsAddress.substring(0, gcsAddress.lastIndexOf(':'));
  }

  @Override
  public String name() {
    return ProviderConfig.LOCAL;
  }

  @Override
  public ProvidedNode launch(NodeType type, String name) {
    NodeOptions node = new NodeOptions(type.cpus(), type.customResources(), 0, host);
    ClusterLauncher.Started s = ClusterLauncher.startRaylet(session, name, gcsAddress, node, false);
    return new ProvidedNode(name, type.name(), s.ready().get("node_id"), host, s.pid());
  }

  @Override
  public void terminate(ProvidedNode node) throws InterruptedException {
    stop(ProcessHandle.of(node.pid()).filter(PidFiles::isJRay));
    PidFiles.remove(session, node.name());
  }

  @Override
  public boolean isNode(ProvidedNode node, NodeInfo info) {
    return node.nodeIdHex() != null && node.nodeIdHex().equals(ProtoIds.nodeId(info.getNodeId()).hex());
  }

  @Override
  public void terminateAll() throws Exception {
    java.nio.file.Path pids = session.pids();
    if (!java.nio.file.Files.isDirectory(pids)) {
      return;
    }
    try (var files = java.nio.file.Files.list(pids)) {
      for (String f : files.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith(NAME_PREFIX) && n.endsWith(".pid")).toList()) {
        String name = f.substring(0, f.length() - ".pid".length());
        var pid = PidFiles.pid(session, name);
        if (pid.isPresent()) {
          stop(ProcessHandle.of(pid.getAsLong()).filter(PidFiles::isJRay));
        }
        PidFiles.remove(session, name);
      }
    }
  }

  private static void stop(Optional<ProcessHandle> h) throws InterruptedException {
    if (h.isEmpty() || !h.get().isAlive()) {
      return;
    }
    h.get().destroy();
    try {
      h.get().onExit().get(GRACE_SECONDS, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      h.get().destroyForcibly();
      h.get().onExit().join();
    }
  }
}
