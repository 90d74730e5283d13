package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jray.api.ActorHandle;
import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.common.grpc.Rpc;
import io.jray.common.process.NodeOptions;
import io.jray.proto.NodeLogServiceGrpc;
import io.jray.proto.ReadLogRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The state API end to end (issue 15): tasks, actors, objects, nodes and workers listed, filtered
 * and limited by the real CLI over a real two-node cluster; one task, actor and object in detail;
 * a worker's log on the other node read through that node's raylet.
 */
class StateApiIT {
  private static final String SQUARE = "io.jray.it.StateTasks.square";
  private static final String FAILING = "io.jray.it.StateTasks.failing";

  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(2))
      .node(NodeOptions.defaults().withCpus(1).withResources(Map.of("far", 1.0))).driver();

  @BeforeEach
  void token() {
    System.setProperty("jray.auth.token", cluster.token());
  }

  @AfterEach
  void noToken() {
    System.clearProperty("jray.auth.token");
  }

  private static String cli(String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.addAll(List.of("--address", cluster.gcsAddress()));
    return CliRunner.inProcess(all.toArray(String[]::new));
  }

  private static List<String> lines(String out) {
    return out.lines().filter(l -> !l.isBlank()).toList();
  }

  @Test
  void hundredTasksFiveFailingAreListedWithStatesErrorsFiltersLimitsAndSummary() {
    List<ObjectRef<Integer>> refs = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      refs.add(i % 20 == 7 ? JRay.task(StateTasks::failing, i).setMaxRetries(0).remote()
          : JRay.task(StateTasks::square, i).remote());
    }
    for (ObjectRef<Integer> r : refs) {
      try {
        r.get(Duration.ofMinutes(2));
      } catch (RuntimeException expected) {
        // the five failing ones
      }
    }
    // events reach GCS within a flush period or so
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      List<String> squares = lines(cli("list", "tasks", "--json", "--filter", "name=" + SQUARE, "--limit", "1000"));
      assertThat(squares).hasSize(95).allMatch(l -> l.contains("\"state\":\"FINISHED\""));
      List<String> failed = lines(cli("list", "tasks", "--json", "--filter", "name=" + FAILING));
      assertThat(failed).hasSize(5).allMatch(l -> l.contains("\"state\":\"FAILED\"")
          && l.contains("\"error_type\":\"TASK_EXCEPTION\"") && l.contains("boom "));
    });
    // several filters must all hold; != excludes; values compare ignoring case
    assertThat(lines(cli("list", "tasks", "--json", "--filter", "state=failed", "--filter", "name=" + FAILING)))
        .hasSize(5);
    assertThat(lines(cli("list", "tasks", "--json", "--filter", "name=" + SQUARE, "--filter", "state!=FINISHED")))
        .isEmpty();
    assertThat(lines(cli("list", "tasks", "--json", "--filter", "name=" + SQUARE, "--limit", "10"))).hasSize(10);
    // the default limit is 100 rows
    assertThat(lines(cli("list", "tasks", "--json"))).hasSizeLessThanOrEqualTo(100);
    String table = cli("list", "tasks", "--filter", "name=" + FAILING);
    assertThat(table).contains("TASK_ID").contains("FAILED").contains("boom ").contains("5 tasks");

    String summary = cli("summary", "tasks", "--json", "--filter", "name!=" + "x");
    assertThat(summary).contains("\"name\":\"" + SQUARE + "\"").contains("\"finished\":95")
        .contains("\"name\":\"" + FAILING + "\"").contains("\"failed\":5");

    String oneFailed = lines(cli("list", "tasks", "--json", "--filter", "name=" + FAILING)).get(0);
    String id = oneFailed.replaceAll(".*\"task_id\":\"([0-9a-f]+)\".*", "$1");
    String detail = cli("get", "task", id, "--json");
    assertThat(detail).contains("\"task_id\":\"" + id + "\"").contains("\"state\":\"FAILED\"")
        .contains("\"history\":[").contains("\"state\":\"PENDING_ARGS\"").contains("\"state\":\"RUNNING\"")
        .contains("\"owner\":{").contains("boom ");
    assertThat(detail).as("where it ran: the executor's node and worker")
        .containsPattern("\"attempt\":0,\"node_id\":\"[0-9a-f]{32}\",\"worker_id\":\"[0-9a-f]{32}\"");
  }

  @Test
  void twoActorsAreAliveAndTheKilledOneIsDeadWithItsCause() {
    ActorHandle<TestActors.Counter> a = JRay.actor(TestActors.Counter::new).remote();
    ActorHandle<TestActors.Counter> b = JRay.actor(TestActors.Counter::new).remote();
    a.task(TestActors.Counter::get).remote().get(Duration.ofMinutes(2));
    b.task(TestActors.Counter::get).remote().get(Duration.ofMinutes(2));
    for (ActorHandle<TestActors.Counter> h : List.of(a, b)) {
      assertThat(lines(cli("list", "actors", "--json", "--filter", "actor_id=" + h.id().hex())))
          .singleElement().satisfies(l -> assertThat(l).contains("\"state\":\"ALIVE\""));
    }
    a.kill();
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
        lines(cli("list", "actors", "--json", "--filter", "actor_id=" + a.id().hex()))).singleElement()
        .satisfies(l -> assertThat(l).contains("\"state\":\"DEAD\"").doesNotContain("\"death_cause\":\"\"")));
    assertThat(cli("get", "actor", a.id().hex().substring(0, 12))).contains("state: DEAD").contains("death_cause: ");
    assertThat(lines(cli("list", "actors", "--json", "--filter", "actor_id=" + b.id().hex()))).singleElement()
        .satisfies(l -> assertThat(l).contains("\"state\":\"ALIVE\""));
    b.kill();
  }

  @Test
  void objectsNodesJobsAndWorkersAreListed() {
    ObjectRef<byte[]> big = JRay.put(new byte[2 << 20]);
    String hex = big.id().hex();
    String obj = cli("list", "objects", "--json", "--filter", "object_id=" + hex);
    assertThat(lines(obj)).singleElement().satisfies(l -> assertThat(l).contains("\"state\":\"READY\"")
        .contains("\"stored\":true").contains("LOCAL_REFERENCE").contains("PINNED_IN_STORE")
        .containsPattern("\"size\":2097[0-9]{3}").containsPattern("\"locations\":\\[\"[0-9a-f]+\"\\]"));
    assertThat(cli("get", "object", hex)).contains("object_id: " + hex).contains("reference_kinds: ");

    assertThat(lines(cli("list", "nodes", "--json", "--filter", "state=ALIVE"))).hasSize(2);
    assertThat(cli("list", "nodes")).contains("NODE_ID").contains("2 nodes");
    String job = JRay.runtimeContext().jobId().hex();
    assertThat(lines(cli("list", "jobs", "--json", "--filter", "job_id=" + job))).singleElement()
        .satisfies(l -> assertThat(l).contains("\"state\":\"RUNNING\""));
    assertThat(lines(cli("list", "workers", "--json", "--filter", "type=DRIVER", "--filter", "job_id=" + job)))
        .singleElement().satisfies(l -> assertThat(l).contains(JRay.runtimeContext().workerId().hex()));
    assertThat(cli("get", "node", cluster.local().raylets().get(0).ready().get("node_id"))).contains("available_resources: ")
        .contains("workers: ");
    assertThatThrownBy(() -> cli("list", "tasks", "--filter", "colour=red")).isInstanceOf(AssertionError.class);
    JRay.get(big); // keeps the ref alive until here
  }

  @Test
  void logsListAndTailAWorkersLogOnTheOtherNodeAndRefusePathsOutsideTheLogsDirectory() {
    String marker = "marker-" + System.nanoTime();
    String worker = JRay.task(StateTasks::printMarker, marker).setResource("far", 1.0).remote()
        .get(Duration.ofMinutes(2));
    String farNode = lines(cli("list", "nodes", "--json", "--filter", "is_head=false")).get(0)
        .replaceAll(".*\"node_id\":\"([0-9a-f]+)\".*", "$1");
    String file = "worker-" + worker + ".out";
    assertThat(cli("logs", "--node", farNode.substring(0, 10))).contains(file).contains("raylet");
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(cli("logs", file, "--node", farNode, "--tail", "5")).contains(marker));

    var far = cluster.local().raylets().stream().filter(r -> farNode.equals(r.ready().get("node_id"))).findFirst().orElseThrow();
    ManagedChannel ch = Rpc.channel("127.0.0.1", far.port(), cluster.token());
    try {
      var logs = NodeLogServiceGrpc.newBlockingStub(ch);
      for (String escape : List.of("../token", "/etc/passwd", "logs/../../token", "")) {
        assertThatThrownBy(() -> logs.readLog(ReadLogRequest.newBuilder().setName(escape).setOffset(-1).build()))
            .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                .isEqualTo(Status.Code.INVALID_ARGUMENT));
      }
      assertThatThrownBy(() -> logs.readLog(ReadLogRequest.newBuilder().setName("no-such.log").setOffset(-1).build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
              .isEqualTo(Status.Code.NOT_FOUND));
    } finally {
      ch.shutdownNow();
    }
  }
}
