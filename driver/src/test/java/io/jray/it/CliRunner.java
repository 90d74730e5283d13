package io.jray.it;

import io.jray.cli.JRayCli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the jray CLI the way tests need: in this JVM with output captured, or as its own process. */
final class CliRunner {
  private CliRunner() {}

  /** Runs in this JVM; returns stdout. Fails the test on a non-zero exit. */
  static synchronized String inProcess(String... args) {
    PrintStream out = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = JRayCli.run(args);
    } finally {
      System.setOut(out);
    }
    String s = buf.toString(StandardCharsets.UTF_8);
    if (code != 0) {
      throw new AssertionError("jray " + String.join(" ", args) + " exited " + code + ":\n" + s);
    }
    return s;
  }

  /** Result of a CLI run in its own JVM. */
  record Run(int exitCode, String output) {}

  /** Runs {@code jray args} as a separate JVM with this JVM's class path, like bin/jray does. */
  static Run process(Map<String, String> env, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(io.jray.common.process.JvmLauncher.javaBinary()));
    cmd.addAll(io.jray.common.process.JvmLauncher.BASE_FLAGS);
    cmd.addAll(List.of("-Xmx256m", "-cp", System.getProperty("java.class.path"), JRayCli.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("jray " + String.join(" ", args) + " did not finish");
    }
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }
}
