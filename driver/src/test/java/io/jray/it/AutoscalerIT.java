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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The autoscaler with the local provider, through the real CLI ({@code jray up}, {@code status},
 * {@code down}, each its own JVM), the scenario: a head with 0 CPUs and a worker type of 2
 * CPUs (at most 3): 12 one-second tasks bring up at least 2 nodes and all finish; once the nodes
 * are idle past the timeout only the head remains, their raylet processes gone. Demand no node type
 * can hold launches nothing and is reported. One test, so the cluster starts once. Prints the time
 * from demand to each new node's first task ({@code AUTOSCALER-FIGURE:}).
 */
class AutoscalerIT {
  private static final String CONFIG = """
      clusterName: autoscaler-it
      provider: local
      idleTimeoutSeconds: 4
      head: {resources: {CPU: 0}}
      nodeTypes:
        cpu-worker:
          resources: {CPU: 2}
          minWorkers: 0
          maxWorkers: 3
      """;

  @Test
  void scalesUpForDemandThenDownToTheHead(@TempDir Path root) throws Exception {
    // the autoscaler decides every second here (5 s by default), so the test waits less
    Map<String, String> env = Map.of("JRAY_SESSION_ROOT", root.toString(), "JRAY_AUTOSCALER_UPDATE_INTERVAL_MS",
        "1000");
    Path bad = root.resolve("bad.yaml");
    Files.writeString(bad, CONFIG.replace("minWorkers: 0", "minWorkers: 4"));
    CliRunner.Run refused = CliRunner.process(env, "up", bad.toString(), "--port", "0");
    assertThat(refused.exitCode()).as(refused.output()).isNotZero();
    assertThat(refused.output()).contains(bad.toString()).contains("nodeTypes.cpu-worker.minWorkers is 4")
        .contains("fix:").contains("Nothing was started");
    assertThat(liveSessionProcesses(root)).isEmpty();

    List<Long> raylets = new ArrayList<>();
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
        assertThat(head.getTotalResourcesMap().getOrDefault("CPU", 0.0)).isZero();
        String headHex = ProtoIds.nodeId(head.getNodeId()).hex();
        raylets.add(head.getPid());

        System.setProperty(JRayConfig.AUTH_TOKEN.propertyName(), token);
        JRay.init(address);
        try {
          // the head has no CPU: every task waits for a cpu-worker the autoscaler launches
          long demandAt = System.currentTimeMillis();
          List<ObjectRef<String>> refs = new ArrayList<>();
          for (int i = 0; i < 12; i++) {
            refs.add(JRay.task(TestTasks::nodeAndStart, 1000L).remote());
          }
          List<String> ran = JRay.get(refs, Duration.ofSeconds(60));
          assertThat(ran).hasSize(12);
          Map<String, Long> firstTask = new TreeMap<>();
          for (String r : ran) {
            String[] parts = r.split(" ");
            firstTask.merge(parts[0], Long.parseLong(parts[1]), Math::min);
          }
          assertThat(firstTask).doesNotContainKey(headHex);
          assertThat(firstTask.size()).as("nodes that ran tasks: %s", firstTask.keySet()).isBetween(2, 3);
          firstTask.values().stream().sorted().forEach(t -> System.out.println(
              "AUTOSCALER-FIGURE: local provider: demand to a new node's first task " + (t - demandAt) + " ms"));

          List<NodeInfo> workers = gcs.allNodes().stream().filter(n -> !n.getIsHead()).toList();
          // never more than the type's maxWorkers, and every launched node is a cpu-worker
          assertThat(workers).hasSizeBetween(2, 3)
              .allSatisfy(n -> assertThat(n.getTotalResourcesMap()).containsEntry("CPU", 2.0));
          workers.forEach(n -> raylets.add(n.getPid()));

          String during = CliRunner.process(env, "status").output();
          assertThat(during).contains("Autoscaler status").contains("local provider").contains("cpu-worker")
              .contains(" x cpu-worker").contains("demand {CPU: 1} x ").contains("registered");

          // idle past the timeout: the nodes go, their raylet processes with them; the head stays
          await().atMost(Duration.ofSeconds(40)).until(() -> gcs.allNodes().stream()
              .filter(n -> !n.getIsHead()).allMatch(n -> n.getState() == NodeInfo.State.DEAD));
          for (NodeInfo w : workers) {
            await().atMost(Duration.ofSeconds(15)).until(() -> ProcessHandle.of(w.getPid()).map(h -> !h.isAlive())
                .orElse(true));
          }
          assertThat(gcs.allNodes().stream().filter(n -> n.getState() == NodeInfo.State.ALIVE)
              .map(n -> ProtoIds.nodeId(n.getNodeId()).hex())).containsExactly(headHex);

          // demand no node type offers launches nothing and is reported
          ObjectRef<Integer> never = JRay.task(TestTasks::needsAccel).setResource("gpu", 1.0).remote();
          await().atMost(Duration.ofSeconds(20)).until(() -> CliRunner.process(env, "status").output()
              .contains("{CPU: 1, gpu: 1} x 1: 1 infeasible: no node type offers this shape"));
          String after = CliRunner.process(env, "status").output();
          for (NodeInfo w : workers) {
            assertThat(after).contains("terminate node " + ProtoIds.nodeId(w.getNodeId()).hex() + " (cpu-worker): idle");
          }
          assertThat(after).contains("Pending launches: none");
          assertThat(gcs.allNodes()).as("no node launched for the infeasible task").hasSize(1 + workers.size());
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
