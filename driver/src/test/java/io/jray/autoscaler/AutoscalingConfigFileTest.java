package io.jray.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AutoscalingConfigFileTest {
  private static final Path FILE = Path.of("/tmp/cluster.yaml");

  private static AutoscalingConfig parse(String yaml) {
    return AutoscalingConfigFile.parse(FILE, yaml);
  }

  @Test
  void readsEveryKey() {
    AutoscalingConfig c = parse("""
        clusterName: demo
        provider: {type: docker, image: jray/jray:0.1.0, network: jraynet, shmSize: 2g, gcsAddress: head:6380}
        idleTimeoutSeconds: 7.5
        upscalingSpeed: 2
        maxWorkers: 5
        head: {resources: {CPU: 0}}
        nodeTypes:
          cpu: {resources: {CPU: 2}, minWorkers: 1, maxWorkers: 3}
          accel:
            resources: {CPU: 1, accel: 1}
        """);
    assertThat(c.clusterName()).isEqualTo("demo");
    assertThat(c.provider()).isEqualTo(new ProviderConfig("docker", "jray/jray:0.1.0", "jraynet", "2g", "head:6380"));
    assertThat(c.idleTimeoutMs()).isEqualTo(7500);
    assertThat(c.upscalingSpeed()).isEqualTo(2.0);
    assertThat(c.maxWorkers()).isEqualTo(5);
    assertThat(c.headResources()).isEqualTo(Map.of("CPU", 0.0));
    assertThat(c.nodeTypes().get("cpu")).isEqualTo(new NodeType("cpu", Map.of("CPU", 2.0), 1, 3));
    // a type without maxWorkers takes the cluster's
    assertThat(c.nodeTypes().get("accel")).isEqualTo(new NodeType("accel", Map.of("CPU", 1.0, "accel", 1.0), 0, 5));
    assertThat(c.nodeTypes().get("accel").customResources()).isEqualTo(Map.of("accel", 1.0));
  }

  @Test
  void defaultsFollowRay() {
    AutoscalingConfig c = parse("nodeTypes: {w: {resources: {CPU: 1}}}");
    assertThat(c.provider().type()).isEqualTo("local");
    assertThat(c.idleTimeoutSeconds()).isEqualTo(300);
    assertThat(c.upscalingSpeed()).isEqualTo(1.0);
    assertThat(c.nodeTypes().get("w").minWorkers()).isZero();
    assertThat(c.nodeTypes().get("w").maxWorkers()).isEqualTo(2);
  }

  @Test
  void badYamlNamesTheFileAndTheLine() {
    assertThatThrownBy(() -> parse("nodeTypes: {w: [1, 2\n"))
        .hasMessageContaining("cluster file /tmp/cluster.yaml").hasMessageContaining("not valid YAML")
        .hasMessageContaining("line").hasMessageContaining("Nothing was started");
  }

  @Test
  void everyMistakeNamesItsKeyAndTheFix() {
    assertThatThrownBy(() -> parse("provider: aws\nnodeTypes: {w: {resources: {CPU: 1}}}"))
        .hasMessageContaining("/tmp/cluster.yaml").hasMessageContaining("provider is 'aws'")
        .hasMessageContaining("use local").hasMessageContaining("docker");
    assertThatThrownBy(() -> parse("nodeTypes: {w: {resources: {CPU: 1}, minWorkers: 3, maxWorkers: 2}}"))
        .hasMessageContaining("nodeTypes.w.minWorkers is 3, more than maxWorkers 2")
        .hasMessageContaining("fix: make minWorkers <= maxWorkers");
    assertThatThrownBy(() -> parse("nodeTypes: {w: {resources: {CPU: 1}, maxWorkers: -1}}"))
        .hasMessageContaining("nodeTypes.w.maxWorkers is '-1'").hasMessageContaining("whole number >= 0");
    assertThatThrownBy(() -> parse("idleTimeoutSeconds: -5\nnodeTypes: {w: {resources: {CPU: 1}}}"))
        .hasMessageContaining("idleTimeoutSeconds is '-5'").hasMessageContaining(">= 0");
    assertThatThrownBy(() -> parse("upscalingSpeed: 0\nnodeTypes: {w: {resources: {CPU: 1}}}"))
        .hasMessageContaining("upscalingSpeed is '0'").hasMessageContaining("> 0");
    assertThatThrownBy(() -> parse("nodeTypes: {w: {resources: {CPU: -1}}}"))
        .hasMessageContaining("nodeTypes.w.resources.CPU is '-1'");
    assertThatThrownBy(() -> parse("nodeTypes: {w: {minWorkers: 1}}"))
        .hasMessageContaining("nodeTypes.w.resources is missing").hasMessageContaining("resources: {CPU: 2}");
    assertThatThrownBy(() -> parse("nodeTypes: {w: }"))
        .hasMessageContaining("nodeTypes.w.resources is missing");
    assertThatThrownBy(() -> parse("nodeTypes: {w: {resources: {CPU: 0}}}"))
        .hasMessageContaining("nodeTypes.w.resources offers nothing");
    assertThatThrownBy(() -> parse("nodeTypes: {w: {resources: {CPU: 1}, maxworkers: 2}}"))
        .hasMessageContaining("nodeTypes.w.maxworkers is not a known key").hasMessageContaining("maxWorkers");
    assertThatThrownBy(() -> parse("clusterName: x"))
        .hasMessageContaining("nodeTypes is missing");
    assertThatThrownBy(() -> parse("maxWorkers: 1\nnodeTypes: {a: {resources: {CPU: 1}, minWorkers: 1},"
        + " b: {resources: {CPU: 1}, minWorkers: 1}}"))
        .hasMessageContaining("maxWorkers is 1, fewer than the node types' minWorkers together (2)");
    assertThatThrownBy(() -> parse("nodeTypes: {w: {resources: {CPU: 1}}}\nnodeTypes: {}"))
        .hasMessageContaining("not valid YAML").hasMessageContaining("duplicate");
    assertThatThrownBy(() -> parse("")).hasMessageContaining("is empty");
    assertThatThrownBy(() -> parse("- a\n- b")).hasMessageContaining("not a mapping");
  }

  @Test
  void aMissingFileIsNamed(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> AutoscalingConfigFile.read(dir.resolve("nope.yaml")))
        .hasMessageContaining(dir.resolve("nope.yaml").toString()).hasMessageContaining("cannot read");
    Path ok = dir.resolve("ok.yaml");
    Files.writeString(ok, "nodeTypes: {w: {resources: {CPU: 1}}}");
    assertThat(AutoscalingConfigFile.read(ok).file()).isEqualTo(ok);
  }

  @Test
  void theExampleFilesInTheRepositoryAreValid() {
    Path deploy = Path.of(System.getProperty("user.dir")).getParent().resolve("deploy");
    AutoscalingConfig local = AutoscalingConfigFile.read(deploy.resolve("autoscaler-local.yaml"));
    assertThat(local.provider().type()).isEqualTo("local");
    assertThat(local.nodeTypes()).isNotEmpty();
    AutoscalingConfig docker = AutoscalingConfigFile.read(deploy.resolve("autoscaler-docker.yaml"));
    assertThat(docker.provider().type()).isEqualTo("docker");
  }
}
