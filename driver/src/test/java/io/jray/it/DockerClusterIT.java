package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * A JRay cluster of containers from the image (issue 14): a head and two worker nodes on a
 * network this test creates, a driver run in the head container with {@code jray submit}. Tasks
 * with SPREAD run on all three nodes, a 256 MiB object moves from the head's store to a worker's
 * byte-exact, and a job survives {@code docker kill} of a worker container, which the cluster
 * then shows DEAD. Only containers and the network made here are touched (names {@code jray-it-*}),
 * and all are removed after the class. Ordered: the kill is the last step.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DockerClusterIT {
  private static final String RUN = "jray-it-" + UUID.randomUUID().toString().substring(0, 8);
  private static final String TOKEN = UUID.randomUUID().toString().replace("-", "");
  /** Where each container's log goes when the class ends. */
  private static final Path LOGS = DockerImage.ROOT.resolve("driver/target/docker-it");
  private static final Pattern JSON_NODE = Pattern.compile(
      "\"node_id\":\"([0-9a-f]+)\",\"state\":\"(\\w+)\",\"host\":\"([0-9.]+)\"");

  private static Network network;
  private static final List<GenericContainer<?>> containers = new ArrayList<>();
  private static GenericContainer<?> head;
  private static GenericContainer<?> workerA;
  private static GenericContainer<?> workerB;

  @BeforeAll
  @Timeout(value = 20, unit = TimeUnit.MINUTES)
  static void startCluster() throws Exception {
    DockerImage.ensure();
    network = Network.builder().createNetworkCmdModifier(cmd -> cmd.withName(RUN)).build();
    head = node("head", "start", "--head", "--block", "--port", "6380", "--num-cpus", "1")
        .withCopyFileToContainer(MountableFile.forHostPath(driverClasses()), "/opt/jray-it/classes/");
    start(head);
    workerA = node("worker-a", "start", "--address", "head:6380", "--block", "--num-cpus", "2");
    workerB = node("worker-b", "start", "--address", "head:6380", "--block", "--num-cpus", "1", "--resources",
        "{\"accel\":1}");
    CompletableFuture<Void> a = CompletableFuture.runAsync(() -> start(workerA));
    CompletableFuture<Void> b = CompletableFuture.runAsync(() -> start(workerB));
    a.join();
    b.join();
    await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(2))
        .until(() -> nodes().values().stream().filter("ALIVE"::equals).count() == 3);
  }

  /**
   * A class directory with only the driver program: the whole test-classes directory holds
   * io/jray/cli/ too, which makes a driver take it for JRay's own and not ship it as job code.
   */
  private static Path driverClasses() throws IOException {
    Path classes = DockerImage.ROOT.resolve("driver/target/test-classes/io/jray/it");
    Path dir = LOGS.resolve("driver-classes");
    Path pkg = dir.resolve("io/jray/it");
    Files.createDirectories(pkg);
    try (var files = Files.list(classes)) {
      for (Path f : files.filter(f -> f.getFileName().toString().startsWith("ContainerDriverProgram")).toList()) {
        Files.copy(f, pkg.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return dir;
  }

  /** A node container: small JVMs and store, the token, an alias on the test network. */
  private static GenericContainer<?> node(String alias, String... command) {
    GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(DockerImage.NAME))
        .withNetwork(network).withNetworkAliases(alias)
        .withCreateContainerCmdModifier(cmd -> cmd.withName(RUN + "-" + alias).withHostName(alias))
        .withEnv(Map.of("JRAY_AUTH_TOKEN", TOKEN, "JRAY_GCS_JVM_OPTIONS", "-Xmx256m -Xmn96m",
            "JRAY_RAYLET_HEAP", "384m", "JRAY_WORKER_HEAP", "768m", "JRAY_CLI_HEAP", "128m"))
        // a 256 MiB object in a 384 MiB store, whose arena lives in /dev/shm
        .withSharedMemorySize(512L << 20)
        .withCommand(withStore(command))
        .waitingFor(Wait.forLogMessage(".*Running in the foreground.*", 1).withStartupTimeout(Duration.ofMinutes(3)));
    containers.add(c);
    return c;
  }

  private static String[] withStore(String[] command) {
    String[] out = Arrays.copyOf(command, command.length + 2);
    out[command.length] = "--object-store-memory";
    out[command.length + 1] = Long.toString(384L << 20);
    return out;
  }

  private static void start(GenericContainer<?> c) {
    c.start();
  }

  /** Node id to state, from {@code jray list nodes} in the head container. */
  private static Map<String, String> nodes() throws IOException, InterruptedException {
    Map<String, String> out = new java.util.TreeMap<>();
    for (String[] n : nodeRows()) {
      out.put(n[0], n[1]);
    }
    return out;
  }

  /** Rows of id, state, host. */
  private static List<String[]> nodeRows() throws IOException, InterruptedException {
    ExecResult r = head.execInContainer("jray", "list", "nodes", "--json");
    assertThat(r.getExitCode()).as("jray list nodes: %s", r.getStderr()).isZero();
    List<String[]> rows = new ArrayList<>();
    Matcher m = JSON_NODE.matcher(r.getStdout());
    while (m.find()) {
      rows.add(new String[] {m.group(1), m.group(2), m.group(3)});
    }
    return rows;
  }

  private static String nodeIdOf(GenericContainer<?> c) throws IOException, InterruptedException {
    String ip = c.getContainerInfo().getNetworkSettings().getNetworks().get(RUN).getIpAddress();
    return nodeRows().stream().filter(n -> n[2].equals(ip) && n[1].equals("ALIVE")).map(n -> n[0]).findFirst()
        .orElseThrow(() -> new AssertionError("no alive node at " + ip));
  }

  /** Runs the test's driver in the head container; returns its stdout, failing on a non-zero exit. */
  private static String driver(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("jray", "submit", "--address", "head:6380", "--", "java", "-cp",
        "/opt/jray-it/classes", ContainerDriverProgram.class.getName()));
    cmd.addAll(List.of(args));
    ExecResult r = head.execInContainer(cmd.toArray(String[]::new));
    assertThat(r.getExitCode()).as("driver %s exited %d; stdout:%n%s%nstderr:%n%s", List.of(args), r.getExitCode(),
        r.getStdout(), r.getStderr()).isZero();
    return r.getStdout();
  }

  private static String line(String out, String prefix) {
    return out.lines().filter(l -> l.startsWith(prefix + " ")).findFirst()
        .orElseThrow(() -> new AssertionError("no " + prefix + " line in:\n" + out));
  }

  @Test
  @Order(1)
  void spreadTasksRunOnAllThreeNodesAndA256MiBObjectMovesByteExact() throws Exception {
    String workerB = nodeIdOf(DockerClusterIT.workerB);
    String out = driver("spread-and-object", "30", "3", workerB);
    String[] nodesLine = line(out, "NODES").split(" ");
    assertThat(nodesLine[2].split(",")).as("nodes that ran SPREAD tasks").containsExactlyInAnyOrderElementsOf(
        nodes().keySet());
    assertThat(Integer.parseInt(nodesLine[1])).isEqualTo(3);
    String[] object = line(out, "OBJECT").split(" ");
    assertThat(object[2]).as("SHA-256 of the object on worker-b = on the head").isEqualTo(object[1]);
    assertThat(object[3]).as("the hashing task's node").isEqualTo(workerB);
  }

  @Test
  @Order(2)
  void aJobSurvivesDockerKillOfAWorkerContainerWhichTurnsDead() throws Exception {
    String victim = nodeIdOf(workerB);
    CompletableFuture<String> job = CompletableFuture.supplyAsync(() -> {
      try {
        return driver("survive-kill", "24", "/tmp/progress");
      } catch (IOException | InterruptedException e) {
        throw new RuntimeException(e);
      }
    });
    // kill once the job is under way: some results are in, more are running
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).until(() -> {
      if (job.isDone()) {
        job.join(); // ended before the kill: its failure is the test's
        return true;
      }
      ExecResult r = head.execInContainer("cat", "/tmp/progress");
      return r.getExitCode() == 0 && !r.getStdout().isBlank() && Integer.parseInt(r.getStdout().trim()) >= 3;
    });
    DockerClient docker = DockerClientFactory.instance().client();
    docker.killContainerCmd(workerB.getContainerId()).exec();
    String out = job.get(3, TimeUnit.MINUTES);
    assertThat(line(out, "SURVIVED")).isEqualTo("SURVIVED 24 of 24");
    await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1))
        .untilAsserted(() -> assertThat(nodes()).containsEntry(victim, "DEAD"));
    assertThat(nodes().values().stream().filter("ALIVE"::equals).count()).as("alive: the head and worker-a")
        .isEqualTo(2);
  }

  @AfterAll
  static void removeEverything() throws IOException {
    Files.createDirectories(LOGS);
    for (GenericContainer<?> c : containers) {
      try {
        if (c.getContainerId() != null) {
          Files.writeString(LOGS.resolve(c.getNetworkAliases().getLast() + ".log"), c.getLogs());
        }
      } catch (RuntimeException e) {
        // a container that never started has no log
      }
      c.stop();
    }
    if (network != null) {
      network.close();
    }
  }
}
