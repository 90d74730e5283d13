package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.jray.common.process.PidFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI as a user runs it, each command its own JVM: start --head, start --address, status, stop. */
class CliIT {
  @Test
  void startHeadAddNodeStatusStopLeavesNothingBehind(@TempDir Path root) throws Exception {
    Map<String, String> env = Map.of("JRAY_SESSION_ROOT", root.toString());
    CliRunner.Run head = CliRunner.process(env, "start", "--head", "--port", "0", "--num-cpus", "1",
        "--resources", "{\"accel\":2}");
    assertThat(head.exitCode()).as(head.output()).isZero();
    Matcher m = Pattern.compile("GCS address: +(127\\.0\\.0\\.1:\\d+)").matcher(head.output());
    assertThat(m.find()).as(head.output()).isTrue();
    String address = m.group(1);
    assertThat(head.output()).contains("session directory").contains("bin/jray start --address " + address);
    try {
      CliRunner.Run node = CliRunner.process(env, "start", "--address", address, "--num-cpus", "1");
      assertThat(node.exitCode()).as(node.output()).isZero();
      assertThat(node.output()).contains("joined " + address);

      CliRunner.Run status = CliRunner.process(env, "status");
      assertThat(status.exitCode()).as(status.output()).isZero();
      assertThat(status.output()).contains("Nodes: 2 alive, 0 dead").contains("accel").contains("CPU")
          .contains("Pending demand: none").contains("store:");
      assertThat(liveSessionProcesses(root)).hasSizeGreaterThanOrEqualTo(3);
    } finally {
      CliRunner.Run stop = CliRunner.process(env, "stop");
      assertThat(stop.exitCode()).as(stop.output()).isZero();
      assertThat(stop.output()).contains("Stopped");
    }
    assertThat(liveSessionProcesses(root)).isEmpty();
    try (Stream<Path> shm = Files.list(Path.of("/dev/shm"))) {
      assertThat(shm.map(p -> p.getFileName().toString()).filter(n -> n.contains("jray")).toList()).isEmpty();
    }
    CliRunner.Run again = CliRunner.process(env, "stop");
    assertThat(again.output()).contains("No JRay processes to stop.");
  }

  /** {@code jray start ... --block} as a container runs it: a JVM of its own, reading its output as it comes. */
  private static Process blocking(Map<String, String> env, StringBuilder output, String... args) throws IOException {
    List<String> cmd = new java.util.ArrayList<>(List.of(io.jray.common.process.JvmLauncher.javaBinary()));
    cmd.addAll(io.jray.common.process.JvmLauncher.BASE_FLAGS);
    cmd.addAll(List.of("-Xmx256m", "-cp", System.getProperty("java.class.path"), io.jray.cli.JRayCli.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    Thread.ofVirtual().start(() -> {
      try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()))) {
        for (String line; (line = in.readLine()) != null; ) {
          synchronized (output) {
            output.append(line).append('\n');
          }
        }
      } catch (IOException e) {
        // the process ended
      }
    });
    return p;
  }

  private static String text(StringBuilder output) {
    synchronized (output) {
      return output.toString();
    }
  }

  @Test
  void startBlockStaysInTheForegroundStopsOnSigtermAndExitsWhenItsRayletDies(@TempDir Path root) throws Exception {
    Map<String, String> env = Map.of("JRAY_SESSION_ROOT", root.toString());
    StringBuilder headOut = new StringBuilder();
    // the address is given: inside a container (as CI may be) --block would announce the container's own
    Process head = blocking(env, headOut, "start", "--head", "--block", "--port", "0", "--num-cpus", "1",
        "--dashboard-port", "0", "--node-ip-address", "127.0.0.1");
    try {
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(90))
          .until(() -> text(headOut).contains("Running in the foreground") || !head.isAlive());
      assertThat(head.isAlive()).as(text(headOut)).isTrue();
      assertThat(text(headOut)).contains("dashboard:         http://127.0.0.1:");
      Matcher m = Pattern.compile("GCS address: +(127\\.0\\.0\\.1:\\d+)").matcher(text(headOut));
      assertThat(m.find()).as(text(headOut)).isTrue();
      String address = m.group(1);

      StringBuilder nodeOut = new StringBuilder();
      Process node = blocking(env, nodeOut, "start", "--address", address, "--block", "--num-cpus", "1",
          "--node-ip-address", "127.0.0.1");
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(90))
          .until(() -> text(nodeOut).contains("Running in the foreground") || !node.isAlive());
      Matcher pid = Pattern.compile("on port \\d+ \\(pid (\\d+)\\)").matcher(text(nodeOut));
      assertThat(pid.find()).as(text(nodeOut)).isTrue();
      // its raylet dies by itself: the foreground CLI exits non-zero, for the container to be restarted
      ProcessHandle.of(Long.parseLong(pid.group(1))).orElseThrow().destroyForcibly();
      assertThat(node.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).as(text(nodeOut)).isTrue();
      assertThat(node.exitValue()).isEqualTo(1);
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(text(nodeOut)).contains("exited by itself"));

      // SIGTERM, as docker stop sends: the head stops its raylet, then GCS for good
      // (by its handle: Process.destroy also closes our end of its output, and its last lines with it)
      head.toHandle().destroy();
      assertThat(head.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as(text(headOut)).isTrue();
      // the last lines may still be on their way through the pipe
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(text(headOut)).contains("node stopped"));
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(liveSessionProcesses(root)).isEmpty());
    } finally {
      head.destroyForcibly();
      CliRunner.process(env, "stop");
    }
  }

  /** Processes whose command line names a session under {@code root}: GCS, raylets and workers all do. */
  private static List<ProcessHandle> liveSessionProcesses(Path root) throws IOException {
    String r = root.toRealPath().toString();
    return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
        .filter(h -> PidFiles.commandLine(h).contains(r) && PidFiles.isJRay(h))
        .toList();
  }
}
