package io.jray.cli;

import io.jray.common.grpc.TlsConfig;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Runs a driver program against a cluster: {@code jray submit --address H:P -- java -cp app.jar Main}.
 * Adds JRay's jars to the program's class path and tells it the address and token; the program's
 * {@code JRay.init()} then joins that cluster. In a container, it also tells the program the
 * container's address (unless {@code JRAY_NODE_IP_ADDRESS} is set) for other nodes to call it back at.
 */
@Command(name = "submit", mixinStandardHelpOptions = true, description = "Run a driver program against a cluster (java command after --).")
final class SubmitCommand implements Callable<Integer> {
  @Option(names = "--address", paramLabel = "HOST:PORT", description = "GCS address (default: the latest local cluster)")
  String address;

  @Parameters(arity = "1..*", paramLabel = "COMMAND", description = "the driver command, e.g. java -cp app.jar Main")
  List<String> command;

  @Override
  public Integer call() throws Exception {
    ClusterTarget t = ClusterTarget.resolve(address);
    List<String> cmd = withJRayClasspath(command, System.getProperty("java.class.path"));
    ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
    pb.environment().put("JRAY_ADDRESS", t.address());
    pb.environment().put("JRAY_AUTH_TOKEN", t.token());
    pb.environment().putAll(TlsConfig.fromConfig().environment());
    if (System.getenv("JRAY_NODE_IP_ADDRESS") == null && System.getProperty("jray.node-ip-address") == null) {
      // in a container 127.0.0.1 is the driver's alone: workers on other nodes must call it back
      // at the container's address, as a node started there with --block announces
      pb.environment().put("JRAY_NODE_IP_ADDRESS", ContainerAddress.defaultFor());
    }
    System.err.println("jray submit: running " + String.join(" ", command) + " against " + t.address());
    return pb.start().waitFor();
  }

  /** Appends JRay's class path to the command's -cp/-classpath/--class-path (or adds one). */
  static List<String> withJRayClasspath(List<String> command, String jrayClasspath) {
    List<String> out = new ArrayList<>(command);
    if (!out.isEmpty() && (out.get(0).equals("java") || out.get(0).endsWith("/java"))) {
      // the JDK 25 JRay runs on, with the flags netty and Fory need on it
      out.set(0, io.jray.common.process.JvmLauncher.javaBinary());
      out.addAll(1, io.jray.common.process.JvmLauncher.BASE_FLAGS);
    }
    for (int i = 0; i < out.size() - 1; i++) {
      String a = out.get(i);
      if (a.equals("-cp") || a.equals("-classpath") || a.equals("--class-path")) {
        out.set(i + 1, out.get(i + 1) + File.pathSeparator + jrayClasspath);
        return out;
      }
    }
    if (out.size() > 0) {
      out.add(1, "-cp");
      out.add(2, jrayClasspath);
    }
    return out;
  }
}
