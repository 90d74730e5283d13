package io.jray.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.jray.common.config.JRayConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * The deployment files agree with the image and the CLI (issue 14). No Kubernetes cluster runs
 * here, so this is what keeps {@code deploy/k8s} (and {@code docker/docker-compose.yml}) honest:
 * every container runs the image {@code docker/build-image.sh} builds, every {@code jray} command
 * line in them parses with the CLI's own options, the head listens on JRay's default ports and its
 * Service exposes them, workers and drivers join that Service, the token comes from the Secret,
 * and GCS's storage is the claimed volume.
 */
class K8sManifestsTest {
  private static final Path ROOT = Path.of(System.getProperty("user.dir")).resolve("..").normalize();
  private static final Path K8S = ROOT.resolve("deploy/k8s");
  private static final int GCS_PORT = Integer.parseInt(JRayConfig.GCS_PORT.defaultValue());
  private static final int DASHBOARD_PORT = Integer.parseInt(JRayConfig.DASHBOARD_PORT.defaultValue());

  private static String image() throws IOException {
    Matcher m = Pattern.compile("(?m)^IMAGE=(\\S+)$").matcher(Files.readString(ROOT.resolve("docker/build-image.sh")));
    assertThat(m.find()).as("IMAGE= in docker/build-image.sh").isTrue();
    return m.group(1);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> manifests() throws IOException {
    List<Map<String, Object>> docs = new ArrayList<>();
    try (Stream<Path> files = Files.list(K8S)) {
      for (Path f : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        for (Object doc : new Yaml().loadAll(Files.readString(f))) {
          if (doc != null) {
            docs.add((Map<String, Object>) doc);
          }
        }
      }
    }
    return docs;
  }

  private static Map<String, Object> only(List<Map<String, Object>> docs, String kind, String name) {
    List<Map<String, Object>> found = docs.stream().filter(d -> kind.equals(d.get("kind"))
        && name.equals(map(d, "metadata").get("name"))).toList();
    assertThat(found).as("%s %s in deploy/k8s", kind, name).hasSize(1);
    return found.getFirst();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Map<String, Object> m, String... path) {
    Map<String, Object> at = m;
    for (String p : path) {
      at = (Map<String, Object>) at.get(p);
      assertThat(at).as("%s", String.join(".", path)).isNotNull();
    }
    return at;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Map<String, Object> m, String key) {
    Object v = m.get(key);
    return v == null ? List.of() : (List<Map<String, Object>>) v;
  }

  @SuppressWarnings("unchecked")
  private static List<String> strings(Object v) {
    return v == null ? List.of() : ((List<Object>) v).stream().map(String::valueOf).toList();
  }

  private static Map<String, Object> podSpec(Map<String, Object> workload) {
    return map(workload, "spec", "template", "spec");
  }

  private static Map<String, Object> container(Map<String, Object> workload) {
    List<Map<String, Object>> cs = list(podSpec(workload), "containers");
    assertThat(cs).hasSize(1);
    return cs.getFirst();
  }

  /**
   * The {@code jray} command lines a container runs, without the leading {@code jray}: its args
   * when the image's entry point ({@code bin/jray}) runs, else the {@code jray} calls of a
   * {@code bash -c} script, a whole line or a {@code $(jray ...)} inside one, split as the shell
   * would ({@code $(hostname -i)} stands for an address).
   */
  static List<List<String>> jrayCommands(List<String> command, List<String> args) {
    if (command.isEmpty()) {
      return List.of(args);
    }
    assertThat(command).as("a container's command: the image's entry point, or bash -c").containsExactly("bash", "-c");
    List<List<String>> out = new ArrayList<>();
    for (String line : String.join("\n", args).split("\n")) {
      String l = line.strip().replace("$(hostname -i)", "10.0.0.7");
      String call;
      if (l.startsWith("jray ")) {
        call = l;
      } else if (l.contains("$(jray ")) {
        call = l.substring(l.indexOf("$(jray ") + 2).split(" \\||\\)| 2>", 2)[0];
      } else {
        continue;
      }
      List<String> words = ShellWords.split(call);
      out.add(words.subList(1, words.size()));
    }
    return out;
  }

  private static ParseResult parse(List<String> args) {
    ParseResult[] result = new ParseResult[1];
    assertThatCode(() -> result[0] = new CommandLine(new JRayCli()).parseArgs(args.toArray(String[]::new)))
        .as("jray %s parses with the CLI's options", String.join(" ", args)).doesNotThrowAnyException();
    assertThat(result[0].subcommand()).as("jray %s names a command", args).isNotNull();
    return result[0].subcommand();
  }

  @Test
  void everyContainerRunsTheImageAndItsJrayCommandLinesParse() throws IOException {
    String image = image();
    assertThat(Files.readString(ROOT.resolve("docker/Dockerfile"))).contains("ENTRYPOINT [\"/opt/jray/bin/jray\"]");
    List<Map<String, Object>> workloads = manifests().stream()
        .filter(d -> List.of("Deployment", "Job").contains(d.get("kind"))).toList();
    assertThat(workloads).hasSize(3);
    int commandLines = 0;
    for (Map<String, Object> w : workloads) {
      Map<String, Object> c = container(w);
      assertThat(c.get("image")).as("image of %s", map(w, "metadata").get("name")).isEqualTo(image);
      List<List<String>> cmds = jrayCommands(strings(c.get("command")), strings(c.get("args")));
      assertThat(cmds).as("jray command lines of %s", map(w, "metadata").get("name")).isNotEmpty();
      for (List<String> cmd : cmds) {
        parse(cmd);
        commandLines++;
      }
    }
    assertThat(commandLines).isGreaterThanOrEqualTo(5);
  }

  @Test
  void theHeadListensOnTheDefaultPortsItsServiceExposesThemAndNodesJoinIt() throws IOException {
    List<Map<String, Object>> docs = manifests();
    Map<String, Object> head = only(docs, "Deployment", "jray-head");
    Map<String, Object> c = container(head);
    ParseResult start = parse(strings(c.get("args")));
    assertThat(start.commandSpec().name()).isEqualTo("start");
    assertThat(start.hasMatchedOption("--head")).isTrue();
    assertThat(start.hasMatchedOption("--block")).as("a container's node stays in the foreground").isTrue();
    assertThat(start.<Integer>matchedOptionValue("--port", GCS_PORT)).isEqualTo(GCS_PORT);
    assertThat(start.hasMatchedOption("--dashboard-port")).isFalse();
    Map<String, Integer> containerPorts = new java.util.HashMap<>();
    for (Map<String, Object> p : list(c, "ports")) {
      containerPorts.put((String) p.get("name"), (Integer) p.get("containerPort"));
    }
    assertThat(containerPorts).containsEntry("gcs", GCS_PORT).containsEntry("dashboard", DASHBOARD_PORT);
    assertThat(map(head, "spec").get("replicas")).isEqualTo(1);
    assertThat(map(head, "spec", "strategy").get("type")).as("two heads never share the storage").isEqualTo("Recreate");
    assertThat(podSpec(head).get("restartPolicy")).isEqualTo("Always");

    Map<String, Object> service = only(docs, "Service", "jray-head");
    assertThat(map(service, "spec", "selector")).isEqualTo(map(head, "spec", "template", "metadata", "labels"));
    Map<String, Integer> servicePorts = new java.util.HashMap<>();
    for (Map<String, Object> p : list(map(service, "spec"), "ports")) {
      assertThat(containerPorts).as("targetPort %s", p.get("targetPort")).containsKey((String) p.get("targetPort"));
      servicePorts.put((String) p.get("targetPort"), (Integer) p.get("port"));
    }
    assertThat(servicePorts).containsEntry("gcs", GCS_PORT).containsEntry("dashboard", DASHBOARD_PORT);

    String gcs = "jray-head:" + GCS_PORT;
    for (Map<String, Object> w : List.of(only(docs, "Deployment", "jray-worker"), only(docs, "Job", "jray-driver"))) {
      Map<String, Object> wc = container(w);
      for (List<String> cmd : jrayCommands(strings(wc.get("command")), strings(wc.get("args")))) {
        ParseResult r = parse(cmd);
        if (r.hasMatchedOption("--address")) {
          assertThat(r.<String>matchedOptionValue("--address", null)).as("jray %s", cmd).isEqualTo(gcs);
        }
      }
    }
    Map<String, Object> worker = only(docs, "Deployment", "jray-worker");
    ParseResult workerStart = parse(strings(container(worker).get("args")));
    assertThat(workerStart.<String>matchedOptionValue("--address", null)).isEqualTo(gcs);
    assertThat(workerStart.hasMatchedOption("--block")).isTrue();
    Object cpuRequest = map(container(worker), "resources", "requests").get("cpu");
    assertThat(workerStart.<Double>matchedOptionValue("--num-cpus", null)).as("--num-cpus = the pod's CPU request")
        .isEqualTo(Double.parseDouble(String.valueOf(cpuRequest)));
  }

  @Test
  void theTokenComesFromTheSecretAndGcsStorageIsTheClaimedVolume() throws IOException {
    List<Map<String, Object>> docs = manifests();
    Map<String, Object> secret = only(docs, "Secret", "jray-token");
    Map<String, Object> keys = map(secret, "stringData");
    for (Map<String, Object> w : docs.stream().filter(d -> List.of("Deployment", "Job").contains(d.get("kind")))
        .toList()) {
      Map<String, Object> token = list(container(w), "env").stream().filter(e -> "JRAY_AUTH_TOKEN".equals(e.get("name")))
          .findFirst().orElseThrow(() -> new AssertionError("no JRAY_AUTH_TOKEN in " + map(w, "metadata").get("name")));
      Map<String, Object> ref = map(token, "valueFrom", "secretKeyRef");
      assertThat(ref.get("name")).isEqualTo("jray-token");
      assertThat(keys).containsKey((String) ref.get("key"));
    }
    Map<String, Object> head = only(docs, "Deployment", "jray-head");
    Map<String, Object> pvc = only(docs, "PersistentVolumeClaim", "jray-gcs-storage");
    assertThat(pvc).isNotNull();
    Map<String, Object> volume = list(podSpec(head), "volumes").stream()
        .filter(v -> v.get("persistentVolumeClaim") != null).findFirst().orElseThrow();
    assertThat(map(volume, "persistentVolumeClaim").get("claimName")).isEqualTo("jray-gcs-storage");
    String mountPath = (String) list(container(head), "volumeMounts").stream()
        .filter(m -> volume.get("name").equals(m.get("name"))).findFirst().orElseThrow().get("mountPath");
    ParseResult start = parse(strings(container(head).get("args")));
    assertThat(String.valueOf(start.<Path>matchedOptionValue("--gcs-storage-dir", null))).isEqualTo(mountPath);
  }

  @Test
  @SuppressWarnings("unchecked")
  void theComposeFileRunsTheImageWithCommandLinesThatParse() throws IOException {
    Map<String, Object> compose = new Yaml().load(Files.readString(ROOT.resolve("docker/docker-compose.yml")));
    Map<String, Object> services = map(compose, "services");
    assertThat(services).containsKeys("head", "worker-a", "worker-b", "driver");
    int commandLines = 0;
    for (Map.Entry<String, Object> e : services.entrySet()) {
      Map<String, Object> s = (Map<String, Object>) e.getValue();
      assertThat(s.get("image")).as("image of %s", e.getKey()).isEqualTo(image());
      // compose writes $$ for a literal $
      List<String> args = strings(s.get("command")).stream().map(a -> a.replace("$$", "$")).toList();
      for (List<String> cmd : jrayCommands(strings(s.get("entrypoint")), args)) {
        ParseResult r = parse(cmd);
        if (r.hasMatchedOption("--address")) {
          assertThat(r.<String>matchedOptionValue("--address", null)).isEqualTo("head:" + GCS_PORT);
        }
        if (r.hasMatchedOption("--port")) {
          assertThat(r.<Integer>matchedOptionValue("--port", null)).isEqualTo(GCS_PORT);
        }
        commandLines++;
      }
    }
    assertThat(commandLines).isGreaterThanOrEqualTo(6);
  }
}
