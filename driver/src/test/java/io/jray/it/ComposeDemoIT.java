package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * README's one command for the multi-node demo, {@code docker/demo.sh}, end to end (issue 14):
 * the Compose cluster comes up, the driver's SPREAD tasks run on its three nodes, the script
 * exits 0 and leaves no container, network or volume of its project behind. Runs under a project
 * name of its own ({@code JRAY_DEMO_PROJECT}), so it touches nothing else.
 */
class ComposeDemoIT {
  @Test
  @Timeout(value = 20, unit = TimeUnit.MINUTES) // includes the image's first build on a machine
  void demoRunsPiAcrossThreeNodesAndLeavesNothingBehind() throws Exception {
    DockerImage.ensure();
    String project = "jray-it-demo-" + UUID.randomUUID().toString().substring(0, 8);
    Path log = DockerImage.ROOT.resolve("driver/target/docker-it/" + project + ".log");
    Files.createDirectories(log.getParent());
    // 120 tasks, twice the default: in the runs so far the first worker leased took 50 of 60
    // tasks and another node as few as 1; a longer job leaves the other nodes' workers more to do
    ProcessBuilder pb = new ProcessBuilder(DockerImage.ROOT.resolve("docker/demo.sh").toString(), "120", "200000")
        .directory(DockerImage.ROOT.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("JRAY_DEMO_PROJECT", project);
    pb.environment().remove("JRAY_AUTH_TOKEN");
    Process p = pb.start();
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroy(); // the script's trap brings the cluster down
      p.waitFor(2, TimeUnit.MINUTES);
      throw new AssertionError("docker/demo.sh took over 10 minutes; see " + log);
    }
    String out = Files.readString(log);
    assertThat(p.exitValue()).as("docker/demo.sh exit code; output:%n%s", out).isZero();
    assertThat(out).containsPattern("pi ~= 3\\.1\\d* \\(error 0\\.0").contains("120 tasks ran on 3 nodes");
    for (List<String> what : List.of(List.of("ps", "-a"), List.of("network", "ls"), List.of("volume", "ls"))) {
      List<String> cmd = new java.util.ArrayList<>(List.of("docker"));
      cmd.addAll(what);
      cmd.addAll(List.of("-q", "--filter", "label=com.docker.compose.project=" + project));
      Process q = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String left = new String(q.getInputStream().readAllBytes()).strip();
      assertThat(q.waitFor()).as("%s", cmd).isZero();
      assertThat(left).as("left behind by the demo (%s)", String.join(" ", cmd)).isEmpty();
    }
  }
}
