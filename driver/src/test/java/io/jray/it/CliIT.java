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

  /** Processes whose command line names a session under {@code root}: GCS, raylets and workers all do. */
  private static List<ProcessHandle> liveSessionProcesses(Path root) throws IOException {
    String r = root.toRealPath().toString();
    return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
        .filter(h -> PidFiles.commandLine(h).contains(r) && PidFiles.isJRay(h))
        .toList();
  }
}
