package io.jray.autoscaler;

import io.jray.proto.NodeInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Worker nodes as containers of the JRay image ({@code docker run ... start --address GCS
 * --block}), through the Docker CLI. A container is matched to its GCS node by the address it
 * announces (its address on the provider's network). Stopping one is {@code docker stop} (SIGTERM:
 * the node stops its processes) and {@code docker rm -f}.
 */
final class DockerNodeProvider implements NodeProvider {
  private static final long CALL_SECONDS = 60;

  private final DockerCommands commands;
  private final String token;

  DockerNodeProvider(DockerCommands commands, String token) {
    this.commands = commands;
    this.token = token;
  }

  @Override
  public String name() {
    return ProviderConfig.DOCKER;
  }

  @Override
  public ProvidedNode launch(NodeType type, String name) throws IOException, InterruptedException {
    String container = commands.containerName(name);
    docker(commands.run(type, name));
    String ip = docker(commands.address(container)).trim();
    if (ip.isEmpty()) {
      docker(commands.remove(container));
      throw new IOException("container " + container + " has no address on its network; is the network right?");
    }
    return new ProvidedNode(container, type.name(), null, ip, 0);
  }

  @Override
  public void terminate(ProvidedNode node) throws IOException, InterruptedException {
    try {
      docker(commands.stop(node.name()));
    } finally {
      docker(commands.remove(node.name()));
    }
  }

  @Override
  public boolean isNode(ProvidedNode node, NodeInfo info) {
    return node.host().equals(info.getHost());
  }

  @Override
  public void terminateAll() throws IOException, InterruptedException {
    for (String id : docker(commands.listCluster()).split("\\s+")) {
      if (!id.isBlank()) {
        docker(commands.remove(id));
      }
    }
  }

  /** Runs a docker command; its output, or an exception carrying its output when it fails. */
  private String docker(List<String> cmd) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("JRAY_AUTH_TOKEN", token);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new IOException("cannot run docker (" + e.getMessage() + "): install the Docker CLI and start the engine,"
          + " or use provider: local", e);
    }
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(CALL_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", cmd) + " did not finish within " + CALL_SECONDS + " s");
    }
    String text = new String(out, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + text.trim());
    }
    return text;
  }
}
