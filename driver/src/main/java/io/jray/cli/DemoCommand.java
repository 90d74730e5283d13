package io.jray.cli;

import io.jray.api.JRay;
import io.jray.common.config.JRayConfig;
import io.jray.common.process.LocalCluster;
import io.jray.common.process.NodeOptions;
import io.jray.common.process.PidFiles;
import io.jray.examples.MonteCarloPi;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * README's first command: a fresh local cluster, a Monte Carlo π estimate as remote tasks over the
 * worker JVMs, then the cluster stopped, with a check that none of its processes is left.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Start a local cluster, estimate pi with remote tasks, stop the cluster.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--tasks", defaultValue = "1000", description = "number of remote tasks (default ${DEFAULT-VALUE})")
  int tasks;

  @Option(names = "--samples", defaultValue = "100000", description = "samples per task (default ${DEFAULT-VALUE})")
  long samples;

  @Option(names = "--num-cpus", description = "CPUs of the local node (default: the core count)")
  Double numCpus;

  @Override
  public Integer call() {
    System.out.println("Starting a local JRay cluster (GCS + raylet)...");
    NodeOptions node = numCpus == null ? NodeOptions.defaults() : NodeOptions.defaults().withCpus(numCpus);
    LocalCluster cluster = LocalCluster.start(Path.of(JRayConfig.get(JRayConfig.SESSION_ROOT)), 0, node, false);
    try {
      System.out.println("Cluster up: GCS " + cluster.gcsAddress() + ", session " + cluster.session().path());
      System.setProperty(JRayConfig.AUTH_TOKEN.propertyName(), cluster.token());
      JRay.init(cluster.gcsAddress());
      try {
        MonteCarloPi.run(tasks, samples);
      } finally {
        JRay.shutdown();
      }
    } finally {
      cluster.stop();
    }
    int left = PidFiles.live(cluster.session()).size();
    System.out.println("Cluster stopped: " + left + " JRay processes left; logs kept in " + cluster.session().logs());
    return left == 0 ? 0 : 1;
  }
}
