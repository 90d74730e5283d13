package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jray.api.ActorHandle;
import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.common.gcs.GcsClient;
import io.jray.common.process.NodeOptions;
import java.io.IOException;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard (issue 15) on a real two-node cluster: its JSON API (summary, nodes, jobs, actors,
 * paged and filtered tasks, timeline, logs through a node's raylet, refusals of bad parameters),
 * the token (header, {@code ?token=} turned into a cookie, 401 without), and the page itself in
 * Debian's headless chromium: the summary fills in and refreshes, the tabs show the tasks, the
 * timeline and a worker's log.
 */
class DashboardIT {
  private static final String SQUARE = "io.jray.it.StateTasks.square";
  private static final String FAILING = "io.jray.it.StateTasks.failing";
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(2))
      .node(NodeOptions.defaults().withCpus(1).withResources(Map.of("far", 1.0))).driver();

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static int port;
  private static String marker;
  private static ActorHandle<TestActors.Counter> actor;

  @BeforeAll
  static void work() {
    try (GcsClient gcs = new GcsClient(cluster.gcsAddress(), cluster.token())) {
      port = gcs.gcsInfo().getHttpPort();
    }
    List<ObjectRef<Integer>> refs = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      refs.add(i % 20 == 3 ? JRay.task(StateTasks::failing, i).setMaxRetries(0).remote()
          : JRay.task(StateTasks::square, i).remote());
    }
    for (ObjectRef<Integer> r : refs) {
      try {
        r.get(Duration.ofMinutes(2));
      } catch (RuntimeException expected) {
        // the three failing ones
      }
    }
    marker = "dashboard-marker-" + System.nanoTime();
    JRay.task(StateTasks::printMarker, marker).setResource("far", 1.0).remote().get(Duration.ofMinutes(2));
    actor = JRay.actor(TestActors.Counter::new).setName("dashboard-counter").remote();
    actor.task(TestActors.Counter::add, 1).remote().get(Duration.ofMinutes(2));
    // events reach GCS within a flush period or so
    await().atMost(Duration.ofSeconds(60)).until(() -> body("/api/tasks?limit=1&filter="
        + URLEncoder.encode("name=" + SQUARE, StandardCharsets.UTF_8)).contains("\"total\":57"));
  }

  private static HttpResponse<String> get(String path, String token, String cookie)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(20));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String body(String path) throws IOException, InterruptedException {
    HttpResponse<String> r = get(path, cluster.token(), null);
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
    return r.body();
  }

  private static List<String> ids(String json, String key) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("\"" + key + "\":\"([0-9a-f]+)\"").matcher(json);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  @Test
  void summaryNodesJobsAndActorsDescribeTheCluster() throws Exception {
    String s = body("/api/summary");
    assertThat(s).contains("\"nodes\":{\"alive\":2,\"dead\":0}").contains("\"CPU\":{\"total\":3.0,")
        .contains("\"far\":{\"total\":1.0,").contains("\"FINISHED\":").contains("\"FAILED\":3")
        .contains("\"object_store_per_node\":[").contains("\"ALIVE\":1").contains("\"warnings\":[]");
    String nodes = body("/api/nodes");
    assertThat(ids(nodes, "node_id").stream().distinct().count()).isGreaterThanOrEqualTo(2);
    assertThat(nodes).contains("\"available_resources\":").contains("\"store\":{").contains("\"worker_rows\":[");
    String job = JRay.runtimeContext().jobId().hex();
    assertThat(body("/api/jobs")).contains("\"job_id\":\"" + job + "\",\"state\":\"RUNNING\"");
    assertThat(body("/api/actors")).contains("\"actor_id\":\"" + actor.id().hex() + "\"")
        .contains("\"name\":\"dashboard-counter\"").contains("\"state\":\"ALIVE\"");
  }

  @Test
  void tasksArePagedNewestFirstAndFiltered() throws Exception {
    String filter = "&filter=" + URLEncoder.encode("name=" + SQUARE, StandardCharsets.UTF_8);
    String first = body("/api/tasks?limit=20&offset=0" + filter);
    String second = body("/api/tasks?limit=20&offset=20" + filter);
    String third = body("/api/tasks?limit=20&offset=40" + filter);
    assertThat(first).contains("\"total\":57,\"offset\":0,\"limit\":20");
    List<String> a = ids(first, "task_id");
    List<String> b = ids(second, "task_id");
    List<String> c = ids(third, "task_id");
    assertThat(a).hasSize(20);
    assertThat(b).hasSize(20);
    assertThat(c).hasSize(17);
    Set<String> all = new HashSet<>(a);
    all.addAll(b);
    all.addAll(c);
    assertThat(all).as("pages are disjoint and cover every task").hasSize(57);
    List<Long> starts = new ArrayList<>();
    Matcher m = Pattern.compile("\"start_time_ms\":(\\d+)").matcher(first + second + third);
    while (m.find()) {
      starts.add(Long.parseLong(m.group(1)));
    }
    assertThat(starts).as("newest first").isSortedAccordingTo(java.util.Comparator.reverseOrder());

    String failed = body("/api/tasks?filter=" + URLEncoder.encode("state=FAILED", StandardCharsets.UTF_8)
        + "&filter=" + URLEncoder.encode("name=" + FAILING, StandardCharsets.UTF_8));
    assertThat(failed).contains("\"total\":3").contains("\"error_type\":\"TASK_EXCEPTION\"").contains("boom ");
    assertThat(body("/api/timeline?limit=100")).contains("\"lanes\":[{\"worker_id\":\"")
        .contains("\"end_time_ms\":");

    for (String bad : List.of("/api/tasks?limit=0", "/api/tasks?limit=x", "/api/tasks?offset=-1",
        "/api/tasks?filter=colour%3Dred", "/api/tasks?filter=nokey", "/api/log?node=ab", "/api/logs")) {
      HttpResponse<String> r = get(bad, cluster.token(), null);
      assertThat(r.statusCode()).as(bad + ": " + r.body()).isIn(400, 404);
      assertThat(r.body()).as(bad).startsWith("{\"error\":\"").doesNotContain("Exception");
    }
    assertThat(get("/api/nope", cluster.token(), null).statusCode()).isEqualTo(404);
  }

  @Test
  void logsOfTheOtherNodeAreListedAndRead() throws Exception {
    String farNode = ClusterExtension.nodeHex(cluster.raylet(1));
    String files = body("/api/logs?node=" + farNode.substring(0, 10));
    List<String> outs = new ArrayList<>();
    Matcher m = Pattern.compile("\"name\":\"(worker-[0-9a-f]+\\.out)\"").matcher(files);
    while (m.find()) {
      outs.add(m.group(1));
    }
    assertThat(outs).isNotEmpty();
    boolean found = false;
    for (String f : outs) {
      found |= body("/api/log?node=" + farNode + "&file=" + f + "&tail=50").contains(marker);
    }
    assertThat(found).as("the marker printed on the far node is in one of its worker logs").isTrue();
    HttpResponse<String> out = get("/api/log?node=" + farNode + "&file=..%2F..%2Fetc%2Fpasswd", cluster.token(), null);
    assertThat(out.statusCode()).isEqualTo(400);
  }

  @Test
  void theTokenIsRequiredAndAQueryTokenBecomesACookie() throws Exception {
    for (String path : List.of("/", "/static/dashboard.js", "/api/summary", "/api/tasks")) {
      assertThat(get(path, null, null).statusCode()).as(path).isEqualTo(401);
      assertThat(get(path, "wrong", null).statusCode()).as(path).isEqualTo(401);
      assertThat(get(path, null, "jray_token=wrong").statusCode()).as(path).isEqualTo(401);
    }
    HttpResponse<String> wrongQuery = get("/?token=wrong", null, null);
    assertThat(wrongQuery.statusCode()).isEqualTo(401);
    assertThat(wrongQuery.headers().firstValue("Set-Cookie")).isEmpty();

    HttpResponse<String> login = get("/?tab=tasks&token=" + URLEncoder.encode(cluster.token(), StandardCharsets.UTF_8),
        null, null);
    assertThat(login.statusCode()).isEqualTo(303);
    assertThat(login.headers().firstValue("Location")).hasValue("/?tab=tasks");
    String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(cookie).contains("HttpOnly").contains("SameSite=Strict");
    String pair = cookie.substring(0, cookie.indexOf(';'));
    HttpResponse<String> page = get("/", null, pair);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    assertThat(page.body()).contains("<title>JRay dashboard</title>").contains("/static/dashboard.js");
    assertThat(get("/api/summary", null, pair).statusCode()).isEqualTo(200);
    assertThat(get("/static/dashboard.css", null, pair).body()).contains(".card");
    assertThat(get("/nothing-here", null, pair).statusCode()).isEqualTo(404);
  }

  /** Fills GCS's task history up to its bound with finished tasks of a job of their own, as TaskEventsIT does. */
  private static void historyOfAHundredThousandTasks() {
    com.google.protobuf.ByteString job = io.jray.common.proto.ProtoIds.bytes(io.jray.api.JobId.fromInt(4343));
    long now = System.currentTimeMillis() - 600_000;
    try (GcsClient gcs = new GcsClient(cluster.gcsAddress(), cluster.token())) {
      int left = 100_000 - 200; // room for this class's own tasks: nothing of theirs is evicted
      for (int batch = 0; left > 0; batch++) {
        io.jray.proto.AddTaskEventsRequest.Builder b = io.jray.proto.AddTaskEventsRequest.newBuilder().setJobId(job);
        for (int i = 0; i < 10_000 && left > 0; i++, left--) {
          long t = now + batch * 10_000L + i;
          b.addEvents(io.jray.proto.TaskEvent.newBuilder().setTaskId(io.jray.common.proto.ProtoIds.bytes(
              io.jray.api.TaskId.random())).setName("io.example.History.step" + (i % 7)).setAttempt(0)
              .addUpdates(io.jray.proto.StateUpdate.newBuilder().setState(io.jray.proto.TaskEvent.State.PENDING_ARGS)
                  .setTimeMs(t))
              .addUpdates(io.jray.proto.StateUpdate.newBuilder().setState(io.jray.proto.TaskEvent.State.FINISHED)
                  .setTimeMs(t + 3)));
        }
        gcs.addTaskEvents(b.build());
      }
    }
  }

  @Test
  void thePageShowsTheClusterInAHeadlessBrowser(@org.junit.jupiter.api.io.TempDir Path profile) throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "SKIPPED: needs Debian's chromium and chromium-driver (.ci/run installs them)");
    historyOfAHundredThousandTasks();
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toString())
        .addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
            "--disable-dev-shm-usage", "--window-size=1400,1000", "--user-data-dir=" + profile.resolve("chromium"));
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort().build();
    WebDriver browser = new ChromeDriver(service, options);
    try {
      WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
      long start = System.nanoTime();
      browser.get("http://127.0.0.1:" + port + "/?token=" + URLEncoder.encode(cluster.token(), StandardCharsets.UTF_8));
      assertThat(browser.getCurrentUrl()).as("the token left the address bar").doesNotContain("token=");
      wait.until(d -> d.findElements(By.cssSelector("#summary .card")).size() >= 5);
      wait.until(d -> d.findElement(By.id("nodes-table")).findElements(By.cssSelector("tbody tr")).size() == 2);
      long shownMs = (System.nanoTime() - start) / 1_000_000;
      Object load = ((org.openqa.selenium.JavascriptExecutor) browser).executeScript(
          "const t = performance.getEntriesByType('navigation')[0]; return Math.round(t.loadEventEnd - t.startTime);");
      System.out.println("DASHBOARD-LOAD: with " + 100_000 + " tasks in GCS's history: page loaded in " + load
          + " ms, summary and nodes shown " + shownMs + " ms after the request");
      Matcher kept = Pattern.compile("(\\d+) of at most 100000 kept").matcher(browser.findElement(By.id("summary"))
          .getText());
      assertThat(kept.find()).as("the tasks card counts the history").isTrue();
      assertThat(Long.parseLong(kept.group(1))).isGreaterThanOrEqualTo(99_800);
      String summary = browser.findElement(By.id("summary")).getText();
      assertThat(summary).contains("Nodes").contains("CPU").contains("far").contains("Object store").contains("Tasks");
      wait.until(d -> d.findElement(By.id("nodes-table")).findElements(By.cssSelector("tbody tr")).size() == 2);
      assertThat(browser.findElement(By.id("nodes-table")).getText()).contains("ALIVE").contains("(head)");

      String updated = browser.findElement(By.id("updated")).getText();
      wait.until(d -> !d.findElement(By.id("updated")).getText().equals(updated)); // it refreshes by itself

      browser.findElement(By.cssSelector("#tabs button[data-tab=tasks]")).click();
      wait.until(d -> d.findElement(By.id("tasks-page")).getText().contains(" of "));
      assertThat(browser.findElements(By.cssSelector("#tasks-table tbody tr"))).hasSize(50);
      new Select(browser.findElement(By.id("tasks-state"))).selectByVisibleText("FAILED");
      browser.findElement(By.cssSelector("#tasks-form button")).click();
      wait.until(d -> d.findElement(By.id("tasks-page")).getText().contains("of 3 "));
      assertThat(browser.findElement(By.id("tasks-table")).getText()).contains("boom ").contains("TASK_EXCEPTION");

      browser.findElement(By.cssSelector("#tabs button[data-tab=timeline]")).click();
      wait.until(d -> !d.findElements(By.cssSelector("#timeline svg rect")).isEmpty());

      browser.findElement(By.cssSelector("#tabs button[data-tab=jobs]")).click();
      String job = JRay.runtimeContext().jobId().hex();
      wait.until(d -> d.findElement(By.id("jobs-table")).getText().contains(job));
      assertThat(browser.findElement(By.id("jobs-table")).getText()).contains("RUNNING");

      browser.findElement(By.cssSelector("#tabs button[data-tab=actors]")).click();
      wait.until(d -> d.findElement(By.id("actors-table")).getText().contains("dashboard-counter"));

      browser.findElement(By.cssSelector("#tabs button[data-tab=logs]")).click();
      String farNode = ClusterExtension.nodeHex(cluster.raylet(1));
      wait.until(d -> new Select(d.findElement(By.id("logs-node"))).getOptions().size() == 2);
      new Select(browser.findElement(By.id("logs-node"))).selectByValue(farNode);
      wait.until(d -> new Select(d.findElement(By.id("logs-file"))).getOptions().stream()
          .anyMatch(o -> o.getText().startsWith("worker-")));
      boolean seen = false;
      for (WebElement o : new Select(browser.findElement(By.id("logs-file"))).getOptions()) {
        if (!o.getText().matches("worker-[0-9a-f]+\\.out.*")) {
          continue;
        }
        new Select(browser.findElement(By.id("logs-file"))).selectByValue(o.getAttribute("value"));
        browser.findElement(By.id("logs-show")).click();
        try {
          new WebDriverWait(browser, Duration.ofSeconds(5)).until(d -> d.findElement(By.id("log-text")).getText()
              .contains(marker));
          seen = true;
          break;
        } catch (org.openqa.selenium.TimeoutException notThisOne) {
          // another worker's log
        }
      }
      assertThat(seen).as("the far worker's log with the marker is shown").isTrue();
      assertThat(browser.findElement(By.id("status")).getText()).as("no error shown").isEmpty();
      browser.findElement(By.cssSelector("#tabs button[data-tab=nodes]")).click();
      wait.until(d -> d.findElement(By.id("nodes-table")).isDisplayed());
      Path shot = Path.of("target", "dashboard.png");
      Files.write(shot, ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(org.openqa.selenium.OutputType.BYTES));
      System.out.println("DASHBOARD-SCREENSHOT: " + shot.toAbsolutePath());
    } finally {
      browser.quit();
    }
  }
}
