package io.jray.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The docker provider's command lines. No engine is needed to check them; running them for real
 * waits for the JRay image on main (issue 14's container tests).
 */
class DockerCommandsTest {
  private static final ProviderConfig PROVIDER = new ProviderConfig("docker", "jray/jray:0.1.0", "jraynet", "2g", "");

  @Test
  void runStartsARayletContainerThatJoinsTheHeadAndStaysInTheForeground() {
    DockerCommands c = new DockerCommands(PROVIDER, "demo", "head:6380");
    NodeType accel = new NodeType("accel-worker", Map.of("CPU", 2.0, "accel", 1.0), 0, 2);
    assertThat(c.run(accel, "autoscaled-accel-worker-3")).containsExactly("docker", "run", "-d", "--name",
        "jray-demo-autoscaled-accel-worker-3", "--network", "jraynet", "--shm-size", "2g", "--label",
        "io.jray.cluster=demo", "--label", "io.jray.node-type=accel-worker", "-e", "JRAY_AUTH_TOKEN",
        "jray/jray:0.1.0", "start", "--address", "head:6380", "--num-cpus", "2", "--resources", "{\"accel\":1.0}",
        "--block");
    // a CPU-only type passes no --resources
    assertThat(c.run(new NodeType("cpu", Map.of("CPU", 0.5), 0, 1), "n")).doesNotContain("--resources")
        .containsSequence("--num-cpus", "0.5", "--block");
  }

  @Test
  void theTokenIsNeverOnTheCommandLine() {
    List<String> run = new DockerCommands(PROVIDER, "demo", "head:6380")
        .run(new NodeType("cpu", Map.of("CPU", 1.0), 0, 1), "n");
    assertThat(run).containsSequence("-e", "JRAY_AUTH_TOKEN").noneMatch(a -> a.startsWith("JRAY_AUTH_TOKEN="));
  }

  @Test
  void theProvidersGcsAddressWinsOverTheHeads() {
    DockerCommands c = new DockerCommands(new ProviderConfig("docker", "img", "net", "1g", "head:6380"), "x",
        "127.0.0.1:6380");
    assertThat(c.run(new NodeType("cpu", Map.of("CPU", 1.0), 0, 1), "n")).containsSequence("--address", "head:6380");
  }

  @Test
  void namesAreWhatDockerTakesAndTheRestAddressTheContainerOrCluster() {
    DockerCommands c = new DockerCommands(PROVIDER, "my:cluster/1", "h:1");
    assertThat(c.containerName("autoscaled-a/b-1")).isEqualTo("jray-my-cluster-1-autoscaled-a-b-1");
    assertThat(c.address("ctr")).containsExactly("docker", "inspect", "-f",
        "{{(index .NetworkSettings.Networks \"jraynet\").IPAddress}}", "ctr");
    assertThat(c.stop("ctr")).containsExactly("docker", "stop", "--time", "10", "ctr");
    assertThat(c.remove("ctr")).containsExactly("docker", "rm", "-f", "ctr");
    assertThat(c.listCluster()).containsExactly("docker", "ps", "-aq", "--filter", "label=io.jray.cluster=my:cluster/1");
  }
}
