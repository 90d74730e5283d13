package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.common.config.JRayConfig;
import io.jray.common.gcs.GcsClient;
import io.jray.common.process.PidFiles;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.NodeInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The autoscaler with the local provider, through the real CLI ({@code jray up}, {@code status},
 * {@code down}, each its own JVM): demand for a resource no node has brings up a node of the type
 * that offers it, the tasks finish there, and once the node is idle past the timeout it is stopped
 * (its raylet gone, GCS has it DEAD) while the head stays. One test, so the cluster starts once.
 */
class AutoscalerIT {
  private static final String CONFIG = """
      clusterName: autoscaler-it
      provider: local
      idleTimeoutSeconds: 4
      head: {resources: {CPU: 1}}
      nodeTypes:
        accel-worker:
          resources: {CPU: 2, accel: 2}
          minWorkers: 0
          maxWorkers: 2
      """;

  @Test
  void launchesForInfeasibleDemandThenTerminatesTheIdleNode(@TempDir Path root) throws Exception {
    // the autoscaler decides every second here (5 s by default), so the test waits less
    Map<String, String> env = Map.of("JRAY_SESSION_ROOT", root.toString(), "JRAY_AUTOSCALER_UPDATE_INTERVAL_MS",
        "1000");
    Path bad = root.resolve("bad.yaml");
    Files.writeString(bad, CONFIG.replace("minWorkers: 0", "minWorkers: 3"));
    CliRunner.Run refused = CliRunner.process(env, "up", bad.toString(), "--port", "0");
    assertThat(refused.exitCode()).as(refused.output()).isNotZero();
    assertThat(refused.output()).contains(bad.toString()).contains("nodeTypes.accel-worker.minWorkers is 3")
        .contains("fix:").contains("Nothing was started");
    assertThat(liveSessionProcesses(root)).isEmpty();

    List<Long> raylets = new java.util.ArrayList<>();
    Path file = root.resolve("cluster.yaml");
    Files.writeString(file, CONFIG);
    CliRunner.Run up = CliRunner.process(env, "up", file.toString(), "--port", "0");
    try {
      assertThat(up.exitCode()).as(up.output()).isZero();
      assertThat(up.output()).contains("autoscaler:").contains("Cluster autoscaler-it is up");
      Matcher m = Pattern.compile("GCS address: +(127\\.0\\.0\\.1:\\d+)").matcher(up.output());
      assertThat(m.find()).as(up.output()).isTrue();
      String address = m.group(1);
      String token = Files.readString(Files.list(root).filter(p -> p.getFileName().toString().startsWith("session_2"))
          .findFirst().orElseThrow().resolve("token")).trim();
      try (GcsClient gcs = new GcsClient(address, token)) {
        NodeInfo head = gcs.allNodes().getFirst();
        assertThat(head.getIsHead()).isTrue();
        String headHex = ProtoIds.nodeId(head.getNodeId()).hex();
        raylets.add(head.getPid());

        System.setProperty(JRayConfig.AUTH_TOKEN.propertyName(), token);
        JRay.init(address);
        try {
          // no node offers accel: infeasible until the autoscaler launches an accel-worker (2 tasks fit one)
          List<ObjectRef<String>> refs = List.of(
              JRay.task(TestTasks::nodeAfter, 200L).setResource("accel", 1.0).remote(),
              JRay.task(TestTasks::nodeAfter, 200L).setResource("accel", 1.0).remote());
          List<String> ran = JRay.get(refs, Duration.ofSeconds(60));
          assertThat(ran).doesNotContain(headHex);
          String workerHex = ran.getFirst();
          NodeInfo worker = gcs.allNodes().stream()
              .filter(n -> ProtoIds.nodeId(n.getNodeId()).hex().equals(workerHex)).findFirst().orElseThrow();
          assertThat(worker.getTotalResourcesMap()).containsEntry("accel", 2.0).containsEntry("CPU", 2.0);
          long workerPid = worker.getPid();
          raylets.add(workerPid);

          String during = CliRunner.process(env, "status").output();
          assertThat(during).contains("Autoscaler status").contains("local provider")
              .contains("accel-worker").contains("launch 1 x accel-worker")
              .contains("demand {CPU: 1, accel: 1} x ").contains("registered");

          // idle past the timeout: the node goes, its raylet process with it; the head stays
          await().atMost(Duration.ofSeconds(40)).until(() -> gcs.allNodes().stream()
              .anyMatch(n -> n.getNodeId().equals(worker.getNodeId()) && n.getState() == NodeInfo.State.DEAD));
          await().atMost(Duration.ofSeconds(15)).until(() -> ProcessHandle.of(workerPid).map(h -> !h.isAlive())
              .orElse(true));
          assertThat(gcs.allNodes().stream().filter(n -> n.getState() == NodeInfo.State.ALIVE)
              .map(n -> ProtoIds.nodeId(n.getNodeId()).hex())).containsExactly(headHex);

          // demand no node type offers launches nothing and is reported
          ObjectRef<Integer> never = JRay.task(TestTasks::needsAccel).setResource("gpu", 1.0).remote();
          await().atMost(Duration.ofSeconds(20)).until(() -> CliRunner.process(env, "status").output()
              .contains("{CPU: 1, gpu: 1} x 1: 1 infeasible: no node type offers this shape"));
          String after = CliRunner.process(env, "status").output();
          assertThat(after).contains("terminate node " + workerHex + " (accel-worker): idle")
              .contains("Pending launches: none");
          assertThat(after.lines().filter(l -> l.contains("launch 1 x accel-worker"))).hasSize(1);
          assertThat(never).isNotNull();
        } finally {
          JRay.shutdown();
          System.clearProperty(JRayConfig.AUTH_TOKEN.propertyName());
        }
      }
    } finally {
      CliRunner.Run down = CliRunner.process(env, "down", file.toString());
      assertThat(down.exitCode()).as(down.output()).isZero();
      assertThat(down.output()).contains("Stopped the cluster autoscaler-it");
    }
    assertThat(liveSessionProcesses(root)).isEmpty();
    CliRunner.Run again = CliRunner.process(env, "down", file.toString());
    assertThat(again.output()).contains("No cluster started from");
    // the arenas of the raylets it ran are gone (other engineers' clusters may have theirs here)
    try (Stream<Path> shm = Files.list(Path.of("/dev/shm"))) {
      assertThat(shm.map(p -> p.getFileName().toString()).filter(n -> raylets.stream()
          .anyMatch(pid -> n.startsWith(io.jray.objectstore.ArenaFile.PREFIX + pid + "-"))).toList()).isEmpty();
    }
  }

  private static List<ProcessHandle> liveSessionProcesses(Path root) throws IOException {
    String r = root.toRealPath().toString();
    return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
        .filter(h -> PidFiles.commandLine(h).contains(r) && PidFiles.isJRay(h)).toList();
  }
}
