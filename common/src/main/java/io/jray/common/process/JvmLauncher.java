package io.jray.common.process;

import io.jray.common.config.JRayConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts JRay's own JVMs (GCS, raylets, workers) with the same java binary as this process, so a
 * JDK 25 found once is used everywhere. Output goes to a file in the session's log directory.
 */
public final class JvmLauncher {
  /** Flags every JVM we start gets: netty and Fory warn on JDK 25 without them. */
  public static final List<String> BASE_FLAGS =
      List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow");

  private JvmLauncher() {}

  public static String javaBinary() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  public static Process launch(String mainClass, List<String> jvmOptions, String classpath, List<String> args,
      Path outputFile, Map<String, String> env) {
    return launch(List.of(), mainClass, jvmOptions, classpath, args, outputFile, env);
  }

  /**
   * As above, under {@code wrapper}: a command that runs the rest of the line and execs into it
   * (such as {@code ip netns exec NS}, so that the JVM's pid is the started process's).
   */
  public static Process launch(List<String> wrapper, String mainClass, List<String> jvmOptions, String classpath,
      List<String> args, Path outputFile, Map<String, String> env) {
    List<String> cmd = new ArrayList<>(wrapper);
    cmd.add(javaBinary());
    cmd.addAll(BASE_FLAGS);
    cmd.addAll(JRayConfig.childJvmProperties());
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(mainClass);
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(outputFile.toFile()));
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().putAll(env);
    try {
      return pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + mainClass + ": " + e.getMessage(), e);
    }
  }
}
