package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.common.gcs.GcsClient;
import io.jray.common.process.NodeOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Prometheus metrics end to end (issue 15): GCS's {@code /api/prometheus_sd} lists every live
 * process of a real two-node cluster (GCS, both raylets, the workers that ran tasks, this driver);
 * each target serves Prometheus text with its component's metrics and the JVM's; the task counts
 * follow a job; the token is required everywhere.
 */
class MetricsIT {
  private static final String CUBE = "io.jray.it.StateTasks.cube";
  /** One sample line of the text format: name, optional labels, value. */
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})?\\s+(\\S+).*$");
  private static final Pattern TARGET_GROUP = Pattern.compile(
      "\\{\"targets\":\\[([^\\]]*)\\],\"labels\":\\{\"jray_component\":\"(\\w+)\"(,\"jray_node_id\":\"([0-9a-f]+)\")?\\}\\}");

  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(2))
      .node(NodeOptions.defaults().withCpus(1).withResources(Map.of("far", 1.0))).driver();

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static int gcsHttpPort() {
    try (GcsClient gcs = new GcsClient(cluster.gcsAddress(), cluster.token())) {
      int port = gcs.gcsInfo().getHttpPort();
      assertThat(port).as("GcsInfo.http_port").isPositive();
      return port;
    }
  }

  private HttpResponse<String> get(String url, String token) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A scrape, as sample key (name and labels as written) → value. */
  private Map<String, Double> scrape(String target) throws IOException, InterruptedException {
    HttpResponse<String> r = get("http://" + target + "/metrics", cluster.token());
    assertThat(r.statusCode()).as("scrape of " + target).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
    Map<String, Double> samples = new LinkedHashMap<>();
    for (String line : r.body().split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      assertThat(m.matches()).as("a sample line of " + target + ": " + line).isTrue();
      samples.put(m.group(1) + (m.group(3) == null ? "" : "{" + m.group(3) + "}"), Double.parseDouble(m.group(4)));
    }
    return samples;
  }

  private record Group(String component, String node, List<String> targets) {}

  private List<Group> discover(int port) throws IOException, InterruptedException {
    HttpResponse<String> r = get("http://127.0.0.1:" + port + "/api/prometheus_sd", cluster.token());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
    assertThat(r.headers().firstValue("Warning")).as("every raylet answered").isEmpty();
    List<Group> groups = new ArrayList<>();
    Matcher m = TARGET_GROUP.matcher(r.body());
    while (m.find()) {
      List<String> targets = new ArrayList<>();
      for (String t : m.group(1).split(",")) {
        targets.add(t.replace("\"", ""));
      }
      groups.add(new Group(m.group(2), m.group(4), targets));
    }
    assertThat(groups).as("groups parsed from " + r.body()).isNotEmpty();
    return groups;
  }

  private static double value(Map<String, Double> samples, String key) {
    assertThat(samples).as("sample " + key).containsKey(key);
    return samples.get(key);
  }

  @Test
  void discoveryListsEveryProcessAndEachServesItsMetrics() throws Exception {
    List<ObjectRef<Integer>> refs = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      refs.add(JRay.task(StateTasks::cube, i).remote());
    }
    refs.add(JRay.task(StateTasks::cube, 100).setResource("far", 1.0).remote());
    for (ObjectRef<Integer> r : refs) {
      r.get(Duration.ofMinutes(2));
    }
    int port = gcsHttpPort();
    String head = ClusterExtension.nodeHex(cluster.raylet(0));
    String far = ClusterExtension.nodeHex(cluster.raylet(1));

    List<Group> groups = discover(port);
    assertThat(groups).filteredOn(g -> g.component().equals("gcs")).singleElement()
        .satisfies(g -> assertThat(g.targets()).containsExactly("127.0.0.1:" + port));
    assertThat(groups).filteredOn(g -> g.component().equals("raylet")).extracting(Group::node)
        .containsExactlyInAnyOrder(head, far);
    assertThat(groups).filteredOn(g -> g.component().equals("driver")).singleElement()
        .satisfies(g -> assertThat(g.node()).isEqualTo(head));
    assertThat(groups).filteredOn(g -> g.component().equals("worker")).extracting(Group::node)
        .as("workers ran on both nodes").contains(head, far);

    // GCS: the cluster's tables and its own RPCs
    Map<String, Double> gcs = scrape("127.0.0.1:" + port);
    assertThat(value(gcs, "jray_nodes{state=\"ALIVE\"}")).isEqualTo(2);
    assertThat(value(gcs, "jray_jobs{state=\"RUNNING\"}")).isGreaterThanOrEqualTo(1);
    assertThat(value(gcs, "jray_gcs_rpc_seconds_count{method=\"RegisterNode\"}")).isGreaterThanOrEqualTo(2);
    assertThat(gcs).containsKey("jray_health_check_failures_total").containsKey("jvm_memory_used_bytes{area=\"heap\"}");
    assertThat(gcs).containsKey("jray_actors{state=\"ALIVE\"}");

    // the task counts follow the job (events reach GCS within a flush period)
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(scrape("127.0.0.1:" + port))
        .containsEntry("jray_tasks{name=\"" + CUBE + "\",state=\"FINISHED\"}", 31.0));

    // raylets: resources, leases, workers, store
    for (Group g : groups.stream().filter(g -> g.component().equals("raylet")).toList()) {
      Map<String, Double> r = scrape(g.targets().get(0));
      double cpus = g.node().equals(head) ? 2 : 1;
      assertThat(value(r, "jray_resources{name=\"CPU\",state=\"total\"}")).isEqualTo(cpus);
      assertThat(value(r, "jray_lease_grant_seconds_count")).as("leases granted on " + g.node()).isPositive();
      assertThat(value(r, "jray_leases_granted_total")).isPositive();
      assertThat(value(r, "jray_worker_starts_total")).isPositive();
      assertThat(value(r, "jray_object_store_bytes{state=\"capacity\"}")).isPositive();
      assertThat(r).containsKey("jray_object_store_bytes{state=\"used\"}")
          .containsKey("jray_object_store_bytes{state=\"spilled\"}")
          .containsKey("jray_object_store_bytes{state=\"restored\"}").containsKey("jray_object_transfer_bytes_total")
          .containsKey("jray_workers{state=\"IDLE\"}");
    }
    Map<String, Double> farRaylet = scrape(groups.stream().filter(g -> g.component().equals("raylet")
        && far.equals(g.node())).findFirst().orElseThrow().targets().get(0));
    assertThat(value(farRaylet, "jray_resources{name=\"far\",state=\"total\"}")).isEqualTo(1);

    // the driver and the workers: their own counters and the JVM's
    for (Group g : groups.stream().filter(g -> g.component().equals("driver") || g.component().equals("worker"))
        .toList()) {
      for (String t : g.targets()) {
        Map<String, Double> w = scrape(t);
        assertThat(w).as(g.component() + " " + t).containsKey("jray_owner_pending_tasks")
            .containsKey("jray_lineage_reexecutions_total").containsKey("jvm_threads_current");
      }
    }
  }

  @Test
  void everyEndpointRefusesCallersWithoutTheToken() throws Exception {
    int port = gcsHttpPort();
    List<String> urls = new ArrayList<>(List.of("http://127.0.0.1:" + port + "/metrics",
        "http://127.0.0.1:" + port + "/api/prometheus_sd"));
    for (Group g : discover(port)) {
      urls.add("http://" + g.targets().get(0) + "/metrics");
    }
    for (String url : urls) {
      HttpResponse<String> none = get(url, null);
      assertThat(none.statusCode()).as(url + " without a token").isEqualTo(401);
      assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
      assertThat(none.body()).contains("Authorization: Bearer TOKEN").doesNotContain("jray_");
      assertThat(get(url, "not-" + cluster.token()).statusCode()).as(url + " with a wrong token").isEqualTo(401);
    }
    HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
        .header("Authorization", "Bearer " + cluster.token()).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
  }

  @Test
  void statusShowsTheGcsHttpPort() {
    System.setProperty("jray.auth.token", cluster.token());
    try {
      String out = CliRunner.inProcess("status", "--address", cluster.gcsAddress());
      assertThat(out).contains("GCS HTTP: http://127.0.0.1:" + gcsHttpPort() + "/metrics");
    } finally {
      System.clearProperty("jray.auth.token");
    }
  }
}
