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
 * directories: raylets first (they stop their workers), then GCS supervisors (each stops its GCS
 * for good), then GCS; SIGKILL after a grace period.
 */
@Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop the JRay processes started on this machine (by pid).")
final class StopCommand implements Callable<Integer> {
  @Option(names = "--grace-seconds", defaultValue = "10", description = "wait this long before SIGKILL (default ${DEFAULT-VALUE})")
  int grace;

  @Override
  public Integer call() throws IOException {
    Path root = Path.of(JRayConfig.get(JRayConfig.SESSION_ROOT));
    List<ProcessHandle> raylets = new ArrayList<>();
    List<ProcessHandle> others = new ArrayList<>();
    if (Files.isDirectory(root)) {
      try (Stream<Path> dirs = Files.list(root)) {
        for (Path d : dirs.filter(p -> p.getFileName().toString().startsWith("session_2")).toList()) {
          for (ProcessHandle h : PidFiles.live(SessionDir.open(d))) {
            (PidFiles.commandLine(h).contains("io.jray.raylet.") ? raylets : others).add(h);
          }
        }
      }
    }
    if (raylets.isEmpty() && others.isEmpty()) {
      System.out.println("No JRay processes to stop.");
      return 0;
    }
    // raylets first (they stop their workers), then whatever is left, then the supervisors (before a
    // GCS they would restart), GCS last
    List<ProcessHandle> gcs = new ArrayList<>(others.stream().filter(h -> PidFiles.commandLine(h)
        .contains("io.jray.gcs.")).toList());
    others.removeAll(gcs);
    List<ProcessHandle> supervisors = gcs.stream().filter(h -> PidFiles.commandLine(h)
        .contains("io.jray.gcs.GcsSupervisorMain")).toList();
    gcs.removeAll(supervisors);
    int stopped = stop(raylets) + stop(others) + stop(supervisors) + stop(gcs.stream().filter(ProcessHandle::isAlive)
        .toList());
    System.out.println("Stopped " + stopped + " JRay process(es).");
    return 0;
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
