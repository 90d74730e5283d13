package io.jray.cli;

import io.jray.api.JRay;
import io.jray.common.config.JRayConfig;
import io.jray.common.process.LocalCluster;
import io.jray.common.process.NodeOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jray microbenchmark}: Ray's microbenchmark metrics on a fresh local cluster (or on
 * {@code --address}), one line per metric, or JSON with {@code --json}.
 */
@Command(name = "microbenchmark", mixinStandardHelpOptions = true, description = "Measure task and object throughput (metric names as in Ray).")
final class MicrobenchmarkCommand implements Callable<Integer> {
  @Option(names = "--metrics", split = ",", description = "metrics to run (default: all): ${COMPLETION-CANDIDATES}",
      completionCandidates = MetricNames.class)
  List<String> metrics;

  @Option(names = "--json", description = "print the results as JSON")
  boolean json;

  @Option(names = "--warmup-seconds", defaultValue = "20",
      description = "warm-up per metric (default ${DEFAULT-VALUE}; grpc-java needs 15-20 s)")
  int warmup;

  @Option(names = "--seconds", defaultValue = "5", description = "length of one measured run (default ${DEFAULT-VALUE})")
  int seconds;

  @Option(names = "--repetitions", defaultValue = "3", description = "measured runs per metric (default ${DEFAULT-VALUE})")
  int repetitions;

  @Option(names = "--address", paramLabel = "HOST:PORT", description = "run against this cluster instead of a fresh local one")
  String address;

  @Option(names = "--num-cpus", description = "CPUs of the local node (default: the core count)")
  Double numCpus;

  @Option(names = "--object-store-memory", paramLabel = "BYTES", defaultValue = "4294967296",
      description = "object store of the local node (default ${DEFAULT-VALUE}: room for the 1 GiB objects)")
  long objectStoreMemory;

  @Mixin
  TlsOptions tlsOptions = new TlsOptions();

  @Option(names = "--task-events", paramLabel = "on|off|compare", defaultValue = "on", description = "task events"
      + " (jray list tasks) on or off for the local cluster; compare: run everything on four fresh clusters, events"
      + " off, on, on, off, and print each side's median over its runs (default ${DEFAULT-VALUE})")
  String taskEvents;

  /** The metric names, for the help text. */
  static final class MetricNames implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return Microbenchmark.METRICS.iterator();
    }
  }

  @Override
  public Integer call() {
    List<String> names = metrics == null || metrics.isEmpty() ? Microbenchmark.METRICS : metrics;
    List<String> modes = switch (taskEvents) {
      case "on" -> List.of("true");
      case "off" -> List.of("false");
      // off, on, on, off: a machine that drifts (warming, a noisy neighbour) favours neither side
      case "compare" -> List.of("false", "true", "true", "false");
      default -> throw new IllegalArgumentException("--task-events must be on, off or compare, got '" + taskEvents
          + "'");
    };
    if (address != null && !taskEvents.equals("on")) {
      throw new IllegalArgumentException("--task-events " + taskEvents + " needs a fresh local cluster: drop --address");
    }
    List<List<Microbenchmark.Result>> all = new java.util.ArrayList<>();
    for (String enabled : modes) {
      // read by every process of the cluster at its start: the raylets forward it to their workers
      System.setProperty(JRayConfig.TASK_EVENTS_ENABLED.propertyName(), enabled);
      all.add(runOnce(names));
    }
    if (modes.size() == 1) {
      print(all.get(0));
      return 0;
    }
    List<Microbenchmark.Result> off = pooled(all, modes, "false", names);
    List<Microbenchmark.Result> on = pooled(all, modes, "true", names);
    System.out.println("task events off (clusters 1 and 4):");
    print(off);
    System.out.println("task events on (clusters 2 and 3):");
    print(on);
    for (int i = 0; i < names.size(); i++) {
      System.out.printf(java.util.Locale.ROOT, "%s: %+.1f%% with task events (median of %d runs each %.1f -> %.1f %s)%n",
          off.get(i).name(), 100.0 * (on.get(i).median() - off.get(i).median()) / off.get(i).median(),
          on.get(i).runs().size(), off.get(i).median(), on.get(i).median(), on.get(i).unit());
    }
    return 0;
  }

  /** Each metric's runs over every cluster started with {@code mode}, as one result. */
  private static List<Microbenchmark.Result> pooled(List<List<Microbenchmark.Result>> all, List<String> modes,
      String mode, List<String> names) {
    List<Microbenchmark.Result> out = new java.util.ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      List<Double> runs = new java.util.ArrayList<>();
      String name = null;
      String unit = null;
      for (int c = 0; c < modes.size(); c++) {
        if (modes.get(c).equals(mode)) {
          Microbenchmark.Result r = all.get(c).get(i);
          runs.addAll(r.runs());
          name = r.name();
          unit = r.unit();
        }
      }
      out.add(Microbenchmark.Result.of(name, unit, runs));
    }
    return out;
  }

  private void print(List<Microbenchmark.Result> results) {
    if (json) {
      System.out.println(Microbenchmark.toJson(results));
    } else {
      results.forEach(r -> System.out.println(Microbenchmark.formatLine(r)));
    }
  }

  private List<Microbenchmark.Result> runOnce(List<String> names) {
    LocalCluster cluster = null;
    String gcsAddress;
    String token;
    Path logDir;
    // a driver's own endpoint is on 127.0.0.1 (DriverConnection), so its certificate must name that
    System.err.println("microbenchmark over " + tlsOptions.apply("127.0.0.1"));
    if (address == null) {
      NodeOptions node = new NodeOptions(numCpus, java.util.Map.of(), objectStoreMemory, "127.0.0.1");
      // workers make 1 GiB objects for the gigabyte metrics
      System.setProperty(JRayConfig.WORKER_HEAP.propertyName(), JRayConfig.get(JRayConfig.WORKER_HEAP).equals("512m")
          ? "2g" : JRayConfig.get(JRayConfig.WORKER_HEAP));
      cluster = LocalCluster.start(Path.of(JRayConfig.get(JRayConfig.SESSION_ROOT)), 0, node, false);
      if (names.contains(MultiClientBenchmark.NAME)) {
        cluster.addNode(node); // Ray's multi-client metric runs on a cluster: 3 nodes here
        cluster.addNode(node);
      } else if (names.stream().anyMatch(n -> n.startsWith("inter_node"))) {
        cluster.addNode(node);
      }
      System.setProperty(JRayConfig.AUTH_TOKEN.propertyName(), cluster.token());
      JRay.init(cluster.gcsAddress());
      gcsAddress = cluster.gcsAddress();
      token = cluster.token();
      logDir = cluster.session().logs();
    } else {
      ClusterTarget t = ClusterTarget.resolve(address);
      System.setProperty(JRayConfig.AUTH_TOKEN.propertyName(), t.token());
      JRay.init(t.address());
      gcsAddress = t.address();
      token = t.token();
      logDir = Path.of(System.getProperty("java.io.tmpdir"));
    }
    try {
      String a = gcsAddress;
      String k = token;
      Path l = logDir;
      return Microbenchmark.run(names, Duration.ofSeconds(warmup), Duration.ofSeconds(seconds), repetitions,
          (w, m, r) -> MultiClientBenchmark.run(a, k, l, w, m, r));
    } finally {
      JRay.shutdown();
      if (cluster != null) {
        cluster.stop();
      }
    }
  }

}
