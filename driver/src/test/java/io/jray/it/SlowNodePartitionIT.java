package io.jray.it;

import static io.jray.it.ClusterExtension.nodeHex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jray.api.JRay;
import io.jray.api.NodeId;
import io.jray.api.ObjectRef;
import io.jray.common.gcs.GcsClient;
import io.jray.common.process.ClusterLauncher;
import io.jray.common.process.NodeOptions;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.NodeInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A slow node is not a dead one: a node whose raylet and workers are stopped (SIGSTOP) for 2 s and
 * then continued, with the default health-check settings, is never declared DEAD, and the tasks it
 * was running finish there, each run once. On 127.0.0.1: no namespaces needed.
 */
class SlowNodePartitionIT {
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(1)).driver();
  @TempDir
  Path dir;

  @Test
  void aNodeStoppedForTwoSecondsIsNotDeclaredDeadWithTheDefaults() throws Exception {
    ClusterLauncher.Started slow = cluster.addNode(NodeOptions.defaults().withCpus(1));
    String hex = nodeHex(slow);
    Path journal = dir.resolve("journal");
    List<ObjectRef<Long>> squares = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      squares.add(JRay.task(PartitionTasks::square, journal.toString(), i, 500L)
          .setSchedulingStrategy(ClusterExtension.on(slow)).remote());
    }
    await().atMost(Duration.ofSeconds(120)).until(() -> PartitionTasks.lines(journal).size() >= 2);
    List<Long> pids = Stream.concat(Stream.of(slow.process().toHandle()), slow.process().descendants())
        .map(ProcessHandle::pid).toList();
    signal("-STOP", pids);
    try {
      Thread.sleep(2_000); // the pause itself, not a wait for something
    } finally {
      signal("-CONT", pids);
    }

    List<Long> expected = new ArrayList<>();
    for (long i = 0; i < 6; i++) {
      expected.add(i * i);
    }
    assertThat(JRay.get(squares, Duration.ofSeconds(120))).isEqualTo(expected);
    List<String> runs = PartitionTasks.lines(journal);
    for (int i = 0; i < 6; i++) {
      String task = "square " + i + " ";
      assertThat(runs).as("task %d ran once, on the slow node", i).filteredOn(l -> l.startsWith(task))
          .containsExactly(task + hex);
    }
    try (GcsClient gcs = new GcsClient(cluster.gcsAddress(), cluster.token())) {
      // long enough for the probes missed during the pause to be followed by answered ones
      await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(30))
          .until(() -> gcs.allNodes().stream().allMatch(n -> n.getState() == NodeInfo.State.ALIVE));
      assertThat(gcs.allNodes()).extracting(n -> ProtoIds.nodeId(n.getNodeId())).contains(NodeId.fromHex(hex));
    }
    assertThat(slow.process().isAlive()).isTrue();
  }

  private static void signal(String signal, List<Long> pids) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("kill", signal));
    pids.forEach(p -> cmd.add(Long.toString(p)));
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s", cmd).isZero();
  }
}
