package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jray.api.JRay;
import io.jray.common.gcs.GcsClient;
import io.jray.common.process.NodeOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/prometheus.yml} works as shipped (issue 15): a real Prometheus server (Debian's
 * {@code prometheus}, which {@code .ci/run} installs) given that file, with only the head's address,
 * the token file and shorter intervals filled in, finds every process of a two-node cluster
 * through GCS's {@code /api/prometheus_sd}, scrapes them all with the token, and answers queries
 * on JRay's series.
 */
class PrometheusScrapeIT {
  private static final Path DEPLOYED = Path.of(System.getProperty("user.dir")).resolve("../deploy/prometheus.yml")
      .normalize();

  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(1))
      .node(NodeOptions.defaults().withCpus(1)).driver();

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static Path prometheusBinary() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path p = Path.of(dir, "prometheus");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  private String query(int port, String path) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    return r.body();
  }

  @Test
  void prometheusWithTheDeployedConfigScrapesEveryProcess(@TempDir Path dir) throws Exception {
    Path binary = prometheusBinary();
    assumeTrue(binary != null, "SKIPPED: no prometheus on PATH (.ci/run installs Debian's package 'prometheus')");
    for (int i = 0; i < 4; i++) {
      JRay.task(StateTasks::cube, i).remote().get(Duration.ofMinutes(2));
    }
    int gcsHttp;
    try (GcsClient gcs = new GcsClient(cluster.gcsAddress(), cluster.token())) {
      gcsHttp = gcs.gcsInfo().getHttpPort();
    }
    Path token = dir.resolve("jray-token");
    Files.writeString(token, cluster.token());
    String config = Files.readString(DEPLOYED);
    assertThat(config).contains("HEAD:8265").contains("/etc/prometheus/jray-token");
    config = config.replace("HEAD:8265", "127.0.0.1:" + gcsHttp).replace("/etc/prometheus/jray-token", token.toString())
        .replace("scrape_interval: 15s", "scrape_interval: 1s").replace("refresh_interval: 30s", "refresh_interval: 1s");
    Path yml = dir.resolve("prometheus.yml");
    Files.writeString(yml, config);
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Process prometheus = new ProcessBuilder(binary.toString(), "--config.file=" + yml,
        "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
        .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
    try {
      // every process GCS lists is scraped, and all answer (health "up")
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
        assertThat(prometheus.isAlive()).as("prometheus runs: " + Files.readString(dir.resolve("prometheus.log")))
            .isTrue();
        String targets = query(port, "/api/v1/targets?state=active");
        // each active target once, by its labels after relabelling (discoveredLabels repeat them)
        List<String> components = new ArrayList<>();
        Matcher m = Pattern.compile("\"labels\":\\{[^}]*?\"jray_component\":\"(\\w+)\"").matcher(targets);
        while (m.find()) {
          components.add(m.group(1));
        }
        assertThat(components).as(targets).contains("gcs", "raylet", "driver", "worker");
        assertThat(components.stream().filter("raylet"::equals).count()).isEqualTo(2);
        assertThat(targets).doesNotContain("\"health\":\"down\"").doesNotContain("\"health\":\"unknown\"");
      });
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
        String alive = query(port, "/api/v1/query?query=" + URLEncoder.encode("sum(jray_nodes{state=\"ALIVE\"})",
            StandardCharsets.UTF_8));
        assertThat(alive).contains("\"value\":[").contains(",\"2\"]");
        String cpus = query(port, "/api/v1/query?query=" + URLEncoder.encode(
            "sum(jray_resources{name=\"CPU\",state=\"total\",jray_component=\"raylet\"})", StandardCharsets.UTF_8));
        assertThat(cpus).contains(",\"2\"]");
        String cubes = query(port, "/api/v1/query?query=" + URLEncoder.encode(
            "jray_tasks{name=\"io.jray.it.StateTasks.cube\",state=\"FINISHED\"}", StandardCharsets.UTF_8));
        assertThat(cubes).contains(",\"4\"]");
      });
    } finally {
      prometheus.destroy();
      if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
        prometheus.destroyForcibly().waitFor();
      }
    }
  }
}
