package io.jray.autoscaler;

import io.jray.common.process.ResourceSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The Docker CLI command lines of the docker provider, built apart from running them so that
 * they can be checked without an engine. The token is never on a command line: {@code -e
 * JRAY_AUTH_TOKEN} hands the container the value from the docker client's own environment.
 */
final class DockerCommands {
  static final String CLUSTER_LABEL = "io.jray.cluster";
  static final String TYPE_LABEL = "io.jray.node-type";
  /** Seconds between SIGTERM (the node's {@code --block} stops its processes) and SIGKILL. */
  static final int STOP_SECONDS = 10;

  private final ProviderConfig provider;
  private final String cluster;
  private final String gcsAddress;

  /** {@code gcsAddress}: where containers reach GCS (the provider's {@code gcsAddress}, else the head's). */
  DockerCommands(ProviderConfig provider, String cluster, String gcsAddress) {
    this.provider = provider;
    this.cluster = cluster;
    this.gcsAddress = provider.gcsAddress().isEmpty() ? gcsAddress : provider.gcsAddress();
  }

  /** The container of a node named {@code name}: Docker takes [a-zA-Z0-9_.-] only. */
  String containerName(String name) {
    return ("jray-" + cluster + "-" + name).replaceAll("[^a-zA-Z0-9_.-]", "-");
  }

  List<String> run(NodeType type, String name) {
    List<String> cmd = new ArrayList<>(List.of("docker", "run", "-d", "--name", containerName(name), "--network",
        provider.network(), "--shm-size", provider.shmSize(), "--label", CLUSTER_LABEL + "=" + cluster, "--label",
        TYPE_LABEL + "=" + type.name(), "-e", "JRAY_AUTH_TOKEN", provider.image(), "start", "--address", gcsAddress,
        "--num-cpus", ScalingPolicy.fmt(type.cpus())));
    if (!type.customResources().isEmpty()) {
      cmd.addAll(List.of("--resources", ResourceSpec.format(type.customResources())));
    }
    cmd.add("--block");
    return cmd;
  }

  /** The container's address on the provider's network: the raylet inside announces it to GCS. */
  List<String> address(String container) {
    return List.of("docker", "inspect", "-f", "{{(index .NetworkSettings.Networks \"" + provider.network()
        + "\").IPAddress}}", container);
  }

  List<String> stop(String container) {
    return List.of("docker", "stop", "--time", Integer.toString(STOP_SECONDS), container);
  }

  List<String> remove(String container) {
    return List.of("docker", "rm", "-f", container);
  }

  /** Every container of this cluster, running or not. */
  List<String> listCluster() {
    return List.of("docker", "ps", "-aq", "--filter", "label=" + CLUSTER_LABEL + "=" + cluster);
  }
}
