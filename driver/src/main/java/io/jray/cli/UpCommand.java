package io.jray.cli;

import io.jray.autoscaler.AutoscalingConfig;
import io.jray.autoscaler.AutoscalingConfigFile;
import io.jray.autoscaler.NodeType;
import io.jray.common.gcs.GcsClient;
import io.jray.common.process.ResourceSpec;
import io.jray.proto.NodeInfo;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jray up FILE}: a whole cluster from a cluster file, as {@code ray up}: the head (GCS,
 * raylet with the file's head resources, the autoscaler), then it waits until the autoscaler has
 * the node types' minimum workers registered.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
    description = "Start a cluster from a cluster file: head, autoscaler, and the node types' minWorkers.")
final class UpCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "FILE", description = "cluster file (YAML), e.g. deploy/autoscaler-local.yaml")
  Path file;

  @Option(names = "--port", description = "GCS port (default: jray.gcs.port, 6380; 0 = any free port)")
  Integer port;

  @Option(names = "--wait-seconds", defaultValue = "120",
      description = "how long to wait for the minWorkers to register (default ${DEFAULT-VALUE})")
  int waitSeconds;

  @Override
  public Integer call() throws InterruptedException {
    AutoscalingConfig config = AutoscalingConfigFile.read(file);
    StartCommand start = new StartCommand();
    start.head = true;
    start.port = port;
    start.autoscalingConfig = config.file();
    Map<String, Double> custom = new LinkedHashMap<>(config.headResources());
    start.numCpus = custom.remove("CPU");
    start.resources = custom.isEmpty() ? null : ResourceSpec.format(custom);
    int rc = start.call();
    if (rc != 0) {
      return rc;
    }
    int min = config.nodeTypes().values().stream().mapToInt(NodeType::minWorkers).sum();
    ClusterTarget t = ClusterTarget.resolve(null);
    long deadline = System.nanoTime() + waitSeconds * 1_000_000_000L;
    long workers = 0;
    try (GcsClient gcs = new GcsClient(t.address(), t.token())) {
      while (true) {
        workers = gcs.allNodes().stream().filter(n -> n.getState() == NodeInfo.State.ALIVE && !n.getIsHead()).count();
        if (workers >= min || System.nanoTime() > deadline) {
          break;
        }
        Thread.sleep(500);
      }
    }
    System.out.println();
    if (workers < min) {
      System.out.println("Cluster " + config.clusterName() + ": only " + workers + " of the " + min + " minWorkers"
          + " registered within " + waitSeconds + " s; see jray status and logs/autoscaler.log");
      return 1;
    }
    System.out.println("Cluster " + config.clusterName() + " is up: the head and " + workers + " worker node(s);"
        + " the autoscaler adds and removes nodes as the demand asks (jray status shows its decisions).");
    System.out.println("Stop it all: bin/jray down " + file);
    return 0;
  }
}
