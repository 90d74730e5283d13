package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.common.config.JRayConfig;
import io.jray.common.gcs.GcsClient;
import io.jray.common.proto.ProtoIds;
import io.jray.examples.MonteCarloPi;
import io.jray.proto.NodeInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The autoscaler's docker provider for real: the head (GCS, a raylet with 0 CPUs, the autoscaler)
 * runs on this machine at the gateway address of a Docker network the test creates, and the
 * autoscaler starts raylet containers of {@code jray/jray:0.1.0} on that network through the
 * Docker CLI when tasks wait, and removes them once they are idle past the timeout: containers
 * appear and go. Only the network and the containers labelled with this test's cluster name are
 * touched, and all of them are removed at the end. Prints the time from demand to each new node's
 * first task ({@code AUTOSCALER-FIGURE:}).
 */
class DockerAutoscalerIT {
  @Test
  void containersAppearForDemandAndGoWhenIdle(@TempDir Path root) throws Exception {
    DockerImage.ensure();
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String cluster = "dasit-" + suffix;
    String network = "jray-dasit-" + suffix;
    Map<String, String> env = Map.of("JRAY_SESSION_ROOT", root.toString(), "JRAY_AUTOSCALER_UPDATE_INTERVAL_MS",
        "1000");
    docker("network", "create", network);
    try {
      String gateway = docker("network", "inspect", "-f", "{{(index .IPAM.Config 0).Gateway}}", network).trim();
      assertThat(gateway).matches("\\d+\\.\\d+\\.\\d+\\.\\d+");
      Path file = root.resolve("cluster.yaml");
      Files.writeString(file, """
          clusterName: %s
          provider: {type: docker, image: %s, network: %s, shmSize: 1g}
          idleTimeoutSeconds: 4
          nodeTypes:
            cpu-worker:
              resources: {CPU: 2}
              minWorkers: 0
              maxWorkers: 2
          """.formatted(cluster, DockerImage.NAME, network));
      // the head listens at the gateway, which both this machine and the containers reach
      CliRunner.Run start = CliRunner.process(env, "start", "--head", "--port", "0", "--num-cpus", "0",
          "--node-ip-address", gateway, "--autoscaling-config", file.toString());
      try {
        assertThat(start.exitCode()).as(start.output()).isZero();
        Matcher m = Pattern.compile("GCS address: +(\\S+:\\d+)").matcher(start.output());
        assertThat(m.find()).as(start.output()).isTrue();
        String address = m.group(1);
        String token = Files.readString(Files.list(root).filter(p -> p.getFileName().toString()
            .startsWith("session_2")).findFirst().orElseThrow().resolve("token")).trim();
        assertThat(containers(cluster)).as("nothing launched before there is demand").isEmpty();
        try (GcsClient gcs = new GcsClient(address, token)) {
          String headHex = ProtoIds.nodeId(gcs.allNodes().getFirst().getNodeId()).hex();
          System.setProperty(JRayConfig.AUTH_TOKEN.propertyName(), token);
          JRay.init(address);
          try {
            // MonteCarloPi ships in the image (test classes are not on the containers' class path, and
            // JobCode takes a directory with io/jray/ packages for JRay's own, so it is not shipped)
            long demandAt = System.currentTimeMillis();
            List<ObjectRef<MonteCarloPi.Sample>> refs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
              refs.add(JRay.task(MonteCarloPi::sample, 20_000_000L).remote());
            }
            JRay.wait(refs, 1, Duration.ofSeconds(70));
            System.out.println("AUTOSCALER-FIGURE: docker provider: demand to a new node's first task done "
                + (System.currentTimeMillis() - demandAt) + " ms (its start, plus one task of 20M samples)");
            List<MonteCarloPi.Sample> ran = JRay.get(refs, Duration.ofSeconds(70));
            Set<String> nodes = ran.stream().map(MonteCarloPi.Sample::nodeId).collect(Collectors.toSet());
            assertThat(nodes).isNotEmpty().doesNotContain(headHex);
            List<String> launched = containers(cluster);
            assertThat(launched).as("containers of the cluster while its nodes run").isNotEmpty().hasSizeLessThanOrEqualTo(2);
            // the nodes that ran tasks are the containers: their raylets announced the containers' addresses
            List<String> hosts = new ArrayList<>();
            for (String c : launched) {
              hosts.add(docker("inspect", "-f", "{{(index .NetworkSettings.Networks \"" + network + "\").IPAddress}}",
                  c).trim());
            }
            assertThat(gcs.allNodes().stream().filter(n -> nodes.contains(ProtoIds.nodeId(n.getNodeId()).hex()))
                .map(NodeInfo::getHost)).allMatch(hosts::contains);

            // idle past the timeout: the containers go, and only the head is alive
            await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofSeconds(1))
                .until(() -> containers(cluster).isEmpty());
            await().atMost(Duration.ofSeconds(15)).until(() -> gcs.allNodes().stream()
                .filter(n -> n.getState() == NodeInfo.State.ALIVE).count() == 1);
            assertThat(gcs.allNodes().stream().filter(n -> n.getState() == NodeInfo.State.ALIVE)
                .map(n -> ProtoIds.nodeId(n.getNodeId()).hex())).containsExactly(headHex);
            String status = CliRunner.process(env, "status").output();
            assertThat(status).contains("docker provider").contains("terminate node");
          } finally {
            JRay.shutdown();
            System.clearProperty(JRayConfig.AUTH_TOKEN.propertyName());
          }
        }
      } finally {
        CliRunner.Run stop = CliRunner.process(env, "stop");
        assertThat(stop.exitCode()).as(stop.output()).isZero();
      }
    } finally {
      for (String c : containersAll(cluster)) {
        docker("rm", "-f", c);
      }
      docker("network", "rm", network);
    }
  }

  /** Running containers of this test's cluster (the provider labels each with the cluster name). */
  private static List<String> containers(String cluster) throws IOException, InterruptedException {
    return ids(docker("ps", "-q", "--filter", "label=io.jray.cluster=" + cluster));
  }

  private static List<String> containersAll(String cluster) throws IOException, InterruptedException {
    return ids(docker("ps", "-aq", "--filter", "label=io.jray.cluster=" + cluster));
  }

  private static List<String> ids(String out) {
    return out.lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
  }

  private static String docker(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("docker"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out);
    }
    return out;
  }
}
