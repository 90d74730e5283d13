package io.jray.it;

import static io.jray.it.ClusterExtension.near;
import static io.jray.it.ClusterExtension.nodeHex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.StatusRuntimeException;
import io.jray.api.ActorHandle;
import io.jray.api.JRay;
import io.jray.api.NodeId;
import io.jray.api.ObjectRef;
import io.jray.common.gcs.GcsClient;
import io.jray.common.gcs.NodeDeclaredDead;
import io.jray.common.process.NodeOptions;
import io.jray.common.proto.ProtoIds;
import io.jray.it.ClusterExtension.NamespacedNode;
import io.jray.proto.NodeInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Network partitions (DESIGN §7): each extra node runs in a network namespace of its own, and a
 * test cuts its link (the host end of its veth down) while every process runs on. Cut longer than
 * the detection time, the node is declared DEAD and its work is redone elsewhere; when the link
 * heals, GCS refuses the old node and its raylet and workers exit, and nothing it computed counts.
 * Cut shorter, nothing happens at all. The head (1 CPU) and this driver are on the host's bridge.
 */
class NetworkPartitionIT {
  // 500 ms period, 1 s probe timeout, 5 misses in a row: a probe in flight is not repeated, so
  // each miss takes 1-1.5 s and a node cut off is declared DEAD after about 5-8 s. A 1 s cut misses
  // at most 2 probes.
  private static final int THRESHOLD = 5;
  private static final Duration DEAD_BOUND = Duration.ofSeconds(60);
  private static final Duration EXIT_BOUND = Duration.ofSeconds(60);
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(1))
      .inNetworkNamespaces().property("jray.health-check.period-ms", "500")
      .property("jray.health-check.timeout-ms", "1000")
      .property("jray.health-check.failure-threshold", Integer.toString(THRESHOLD)).driver();
  private static GcsClient gcs;
  @TempDir
  Path dir;

  @BeforeAll
  static void connect() {
    gcs = new GcsClient(cluster.gcsAddress(), cluster.token());
  }

  @AfterAll
  static void close() {
    gcs.close();
  }

  @Test
  void aNodeCutOffLongerThanTheDetectionTimeIsDeclaredDeadAndItsWorkIsRedoneElsewhere() throws Exception {
    NamespacedNode node = cluster.addNodeInNamespace(NodeOptions.defaults().withCpus(2));
    String hex = nodeHex(node.raylet());
    Path journal = dir.resolve("journal");
    // results kept only in that node's store (none read here, so no copy elsewhere): lost with it
    List<ObjectRef<byte[]>> stored = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      stored.add(JRay.task(TestTasks::bytes, 1 << 20, (long) i).setSchedulingStrategy(near(node.raylet())).remote());
    }
    assertThat(JRay.wait(stored, stored.size(), Duration.ofSeconds(120)).unready()).isEmpty();
    // two tasks running there when the link goes: they are retried elsewhere
    List<ObjectRef<String>> running = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      running.add(JRay.task(PartitionTasks::slowOn, journal.toString(), hex, 60_000L)
          .setSchedulingStrategy(near(node.raylet())).remote());
    }
    await().atMost(Duration.ofSeconds(120)).until(() -> PartitionTasks.lines(journal).stream()
        .filter(l -> l.equals("start " + hex)).count() == 2);

    cutAndAwaitDead(node, hex);
    assertThat(node(hex).getDeathReason()).contains("health checks");

    for (int i = 0; i < stored.size(); i++) {
      assertThat(JRay.get(stored.get(i), Duration.ofSeconds(120))).as("stored result %d, remade from lineage", i)
          .isEqualTo(TestTasks.bytes(1 << 20, i));
    }
    assertThat(JRay.get(running, Duration.ofSeconds(120))).as("the tasks cut off, run again elsewhere")
        .doesNotContain(hex).hasSize(2);
    assertThat(PartitionTasks.lines(journal)).as("the cut-off attempts never finished")
        .doesNotContain("end " + hex);
    healAndAwaitExit(node, hex);
  }

  @Test
  void whenTheLinkHealsTheOldNodeIsRefusedByGcsAndItsProcessesExitWithoutTheirResultsBeingUsed()
      throws Exception {
    NamespacedNode node = cluster.addNodeInNamespace(NodeOptions.defaults().withCpus(1));
    String hex = nodeHex(node.raylet());
    Path journal = dir.resolve("journal");
    // it works far longer than cut + detection + redo + heal take even on a starved machine: an
    // "end" from it would mean fencing failed to stop it, not that it was slow to
    ObjectRef<String> result = JRay.task(PartitionTasks::slowOn, journal.toString(), hex, 180_000L)
        .setSchedulingStrategy(near(node.raylet())).remote();
    await().atMost(Duration.ofSeconds(120)).until(() -> PartitionTasks.lines(journal).contains("start " + hex));
    List<ProcessHandle> workers = node.raylet().process().descendants().toList();
    assertThat(workers).as("the node's worker JVMs").isNotEmpty();

    cutAndAwaitDead(node, hex);
    // redone elsewhere while the old attempt still sleeps on the node that was cut off
    assertThat(JRay.get(result, Duration.ofSeconds(120))).isNotEqualTo(hex);

    healAndAwaitExit(node, hex);
    assertThat(workers).as("its workers exited too").noneMatch(ProcessHandle::isAlive);
    assertThat(Files.readString(cluster.session().logFile(node.raylet().name())))
        .contains("was declared dead by GCS");
    // whatever the old node still says, GCS refuses, saying why
    NodeInfo dead = node(hex);
    assertThatThrownBy(() -> gcs.registerNode(dead.toBuilder().setState(NodeInfo.State.ALIVE).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(NodeDeclaredDead.is(e)).isTrue();
          assertThat(e.getStatus().getDescription()).contains("node " + hex + " was declared dead at")
              .contains("must exit");
        });
    assertThat(state(hex)).isEqualTo(NodeInfo.State.DEAD);
    // at least once: the old attempt started, but its end (its side effect after the cut) never came
    assertThat(PartitionTasks.lines(journal)).contains("start " + hex).doesNotContain("end " + hex)
        .filteredOn(l -> l.startsWith("end ")).hasSize(1);
  }

  @Test
  void anActorOnANodeCutOffIsRestartedElsewhereAndTheCallItWasRunningIsAnsweredThere() throws Exception {
    NamespacedNode node = cluster.addNodeInNamespace(NodeOptions.defaults().withCpus(2));
    String hex = nodeHex(node.raylet());
    Path journal = dir.resolve("journal");
    String name = "partitioned-" + hex;
    assertThat(JRay.task(PartitionTasks::startActorHere, name).setSchedulingStrategy(ClusterExtension.on(
        node.raylet())).remote().get(Duration.ofSeconds(120))).as("placed on its creator's node").isEqualTo(hex);
    ActorHandle<PartitionTasks.Journaled> actor = JRay.<PartitionTasks.Journaled>getActor(name).orElseThrow();
    ObjectRef<String> call = actor.task(PartitionTasks.Journaled::slowOn, journal.toString(), hex, 180_000L).remote();
    await().atMost(Duration.ofSeconds(120)).until(() -> PartitionTasks.lines(journal).contains("start " + hex));

    cutAndAwaitDead(node, hex);
    assertThat(call.get(Duration.ofSeconds(120))).as("answered by the restarted actor").isNotEqualTo(hex);
    assertThat(actor.task(PartitionTasks.Journaled::node).remote().get(Duration.ofSeconds(60))).isNotEqualTo(hex);

    healAndAwaitExit(node, hex);
    assertThat(PartitionTasks.lines(journal)).doesNotContain("end " + hex)
        .filteredOn(l -> l.startsWith("end ")).hasSize(1);
    actor.kill();
  }

  @Test
  void aCutShorterThanTheDetectionTimeChangesNothing() throws Exception {
    NamespacedNode node = cluster.addNodeInNamespace(NodeOptions.defaults().withCpus(1));
    String hex = nodeHex(node.raylet());
    Path journal = dir.resolve("journal");
    List<ObjectRef<Long>> squares = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      squares.add(JRay.task(PartitionTasks::square, journal.toString(), i, 400L)
          .setSchedulingStrategy(ClusterExtension.on(node.raylet())).remote());
    }
    await().atMost(Duration.ofSeconds(120)).until(() -> PartitionTasks.lines(journal).size() >= 2);
    List<NodeInfo> aliveBefore = gcs.allNodes().stream().filter(n -> n.getState() == NodeInfo.State.ALIVE).toList();
    node.ns().cut();
    Thread.sleep(1_000); // the cut itself, not a wait for something
    node.ns().heal();

    List<Long> expected = new ArrayList<>();
    for (long i = 0; i < 8; i++) {
      expected.add(i * i);
    }
    assertThat(JRay.get(squares, Duration.ofSeconds(120))).isEqualTo(expected);
    // each ran once, all on that node: no retry, nothing moved
    Map<String, Long> runs = PartitionTasks.lines(journal).stream()
        .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    for (int i = 0; i < 8; i++) {
      assertThat(runs).containsEntry("square " + i + " " + hex, 1L);
    }
    assertThat(runs).hasSize(8);
    List<String> nodes = aliveBefore.stream().map(n -> ProtoIds.nodeId(n.getNodeId()).hex()).toList();
    assertThat(nodes).contains(hex);
    // long enough for the probes missed during the cut to be followed by answered ones
    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(30))
        .until(() -> nodes.stream().allMatch(n -> state(n) == NodeInfo.State.ALIVE));
    assertThat(node.raylet().process().isAlive()).isTrue();
  }

  private static void cutAndAwaitDead(NamespacedNode node, String hex) {
    node.ns().cut();
    long cutAt = System.nanoTime();
    await().atMost(DEAD_BOUND).pollInterval(Duration.ofMillis(50)).until(() -> state(hex) == NodeInfo.State.DEAD);
    System.out.printf("partition: node %s declared DEAD %.2f s after its link was cut%n", hex, secondsSince(cutAt));
  }

  private static void healAndAwaitExit(NamespacedNode node, String hex) throws Exception {
    node.ns().heal();
    long healedAt = System.nanoTime();
    List<ProcessHandle> workers = node.raylet().process().descendants().toList();
    await().atMost(EXIT_BOUND).pollInterval(Duration.ofMillis(50))
        .until(() -> !node.raylet().process().isAlive() && workers.stream().noneMatch(ProcessHandle::isAlive));
    System.out.printf("partition: old node %s's raylet and %d workers exited %.2f s after its link healed%n", hex,
        workers.size(), secondsSince(healedAt));
    assertThat(node.raylet().process().exitValue()).as("the raylet's exit code for 'declared dead'").isEqualTo(3);
  }

  private static double secondsSince(long nanos) {
    return (System.nanoTime() - nanos) / 1e9;
  }

  private static NodeInfo node(String hex) {
    return gcs.allNodes().stream().filter(n -> ProtoIds.nodeId(n.getNodeId()).equals(NodeId.fromHex(hex)))
        .findFirst().orElseThrow();
  }

  private static NodeInfo.State state(String hex) {
    return node(hex).getState();
  }
}
