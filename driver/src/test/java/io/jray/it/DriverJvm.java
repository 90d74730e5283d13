package io.jray.it;

import io.jray.common.process.JvmLauncher;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A driver in a JVM of its own, on this JVM's class path, connected through {@code JRAY_ADDRESS}
 * and {@code JRAY_AUTH_TOKEN}: for tests whose driver must exit, die or outlive a cluster.
 */
final class DriverJvm {
  /** A started driver and the {@code READY ...} line it printed. */
  record Ready(Process process, String line) {}

  private DriverJvm() {}

  static Process start(String address, String token, String mainClass, String... args) throws Exception {
    return startWithHeap("256m", address, token, mainClass, args);
  }

  /** As above, with a heap of {@code heap} (an -Xmx value). */
  static Process startWithHeap(String heap, String address, String token, String mainClass, String... args)
      throws Exception {
    List<String> cmd = new ArrayList<>(List.of(JvmLauncher.javaBinary()));
    cmd.addAll(JvmLauncher.BASE_FLAGS);
    cmd.addAll(List.of("-Xmx" + heap, "-cp", System.getProperty("java.class.path"), mainClass));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("JRAY_ADDRESS", address);
    pb.environment().put("JRAY_AUTH_TOKEN", token);
    return pb.start();
  }

  /** Runs {@code mainClass} until it prints its {@code READY} line; its later output is drained. */
  static Ready untilReady(String address, String token, String mainClass, String... args) throws Exception {
    return untilReadyWithHeap("256m", address, token, mainClass, args);
  }

  /** As above, with a heap of {@code heap}. */
  static Ready untilReadyWithHeap(String heap, String address, String token, String mainClass, String... args)
      throws Exception {
    Process p = startWithHeap(heap, address, token, mainClass, args);
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    String line;
    while ((line = out.readLine()) != null) {
      seen.append(line).append('\n');
      if (line.startsWith("READY ")) {
        Thread.ofVirtual().start(() -> out.lines().forEach(l -> { }));
        return new Ready(p, line);
      }
    }
    throw new AssertionError("driver exited before it was ready:\n" + seen);
  }
}
