package io.jray.cli;

import io.jray.common.config.JRayConfig;
import io.jray.common.process.PidFiles;
import io.jray.common.session.SessionDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Stops exactly the processes {@code jray start} launched, by the pids recorded in the session
 * directories: autoscalers first, raylets (they stop their workers), then GCS supervisors (each
 * stops its GCS for good), then GCS; SIGKILL after a grace period.
 */
@Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop the JRay processes started on this machine (by pid).")
final class StopCommand implements Callable<Integer> {
  @Option(names = "--grace-seconds", defaultValue = "10", description = "wait this long before SIGKILL (default ${DEFAULT-VALUE})")
  int grace;

  @Override
  public Integer call() throws IOException {
    Path root = Path.of(JRayConfig.get(JRayConfig.SESSION_ROOT));
    List<ProcessHandle> all = new ArrayList<>();
    if (Files.isDirectory(root)) {
      try (Stream<Path> dirs = Files.list(root)) {
        for (Path d : dirs.filter(p -> p.getFileName().toString().startsWith("session_2")).toList()) {
          all.addAll(PidFiles.live(SessionDir.open(d)));
        }
      }
    }
    if (all.isEmpty()) {
      System.out.println("No JRay processes to stop.");
      return 0;
    }
    System.out.println("Stopped " + stopInOrder(all, grace) + " JRay process(es).");
    return 0;
  }

  /**
   * Stops these JRay processes in an order that keeps anything from coming back: autoscalers
   * first (they would launch nodes anew), raylets (they stop their workers), then whatever is left,
   * then the supervisors (before a GCS they would restart), GCS last. Returns how many.
   */
  static int stopInOrder(List<ProcessHandle> all, int grace) {
    List<ProcessHandle> autoscalers = new ArrayList<>();
    List<ProcessHandle> raylets = new ArrayList<>();
    List<ProcessHandle> others = new ArrayList<>();
    List<ProcessHandle> supervisors = new ArrayList<>();
    List<ProcessHandle> gcs = new ArrayList<>();
    for (ProcessHandle h : all) {
      String cmd = PidFiles.commandLine(h);
      (cmd.contains("io.jray.autoscaler.") ? autoscalers : cmd.contains("io.jray.raylet.") ? raylets
          : cmd.contains("io.jray.gcs.GcsSupervisorMain") ? supervisors : cmd.contains("io.jray.gcs.") ? gcs
          : others).add(h);
    }
    StopCommand s = new StopCommand();
    s.grace = grace;
    return s.stop(autoscalers) + s.stop(raylets) + s.stop(others) + s.stop(supervisors)
        + s.stop(gcs.stream().filter(ProcessHandle::isAlive).toList());
  }

  private int stop(List<ProcessHandle> hs) {
    for (ProcessHandle h : hs) {
      h.destroy();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(grace);
    int n = 0;
    for (ProcessHandle h : hs.stream().sorted(Comparator.comparingLong(ProcessHandle::pid)).toList()) {
      try {
        h.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (Exception e) {
        System.out.println("pid " + h.pid() + " did not stop within " + grace + " s: killing it");
        h.destroyForcibly();
      }
      n++;
    }
    return n;
  }
}
