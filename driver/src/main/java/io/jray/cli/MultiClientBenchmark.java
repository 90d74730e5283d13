package io.jray.cli;

import io.jray.api.JRay;
import io.jray.common.process.JvmLauncher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code multi_client_tasks_async}: several drivers, each its own JVM and job, submit batches of
 * 1,000 no-op tasks and get them, all at once; the figure is the cluster's total tasks per second.
 * Ray runs the same metric with 4 clients.
 *
 * <p>Every driver first joins and runs one batch (its job's workers start then, which on a small
 * machine takes a while), says READY, and waits for the timetable: the warm-up and the measured
 * windows, in wall-clock time (the drivers run on this machine), which this side writes once all
 * are ready. Each driver counts the tasks of the batches it finished inside each window; a
 * window's rate is the sum over drivers divided by its length.
 */
final class MultiClientBenchmark {
  static final String NAME = "multi_client_tasks_async";
  static final int CLIENTS = 4;
  private static final long JOIN_TIMEOUT_MS = 300_000;

  private MultiClientBenchmark() {}

  static Microbenchmark.Result run(String gcsAddress, String token, Path logDir, Duration warmup, Duration measure,
      int repetitions) {
    long tag = ProcessHandle.current().pid();
    Path control = logDir.resolve("bench-clients-" + tag + ".start");
    List<Process> drivers = new ArrayList<>();
    List<Path> outputs = new ArrayList<>();
    System.err.printf(Locale.ROOT, "starting %d driver JVMs for %s; each runs one batch, then %s s warm-up and %d × %s s"
        + " together%n", CLIENTS, NAME, warmup.toSeconds(), repetitions, measure.toSeconds());
    try {
      for (int i = 0; i < CLIENTS; i++) {
        Path out = logDir.resolve("bench-client-" + i + "-" + tag + ".out");
        outputs.add(out);
        drivers.add(JvmLauncher.launch(Client.class.getName(), List.of("-Xmx512m", "-XX:+UseSerialGC"),
            System.getProperty("java.class.path"), List.of(control.toString()), out,
            Map.of("JRAY_ADDRESS", gcsAddress, "JRAY_AUTH_TOKEN", token)));
      }
      long t0 = System.currentTimeMillis();
      for (int i = 0; i < CLIENTS; i++) {
        while (!lines(outputs.get(i)).contains("READY")) {
          if (!drivers.get(i).isAlive() || System.currentTimeMillis() - t0 > JOIN_TIMEOUT_MS) {
            throw new IllegalStateException(NAME + ": driver " + i + " did not get ready; see " + outputs.get(i));
          }
          Thread.sleep(100);
        }
      }
      System.err.printf(Locale.ROOT, "  all %d drivers ran their first batch after %d ms%n", CLIENTS,
          System.currentTimeMillis() - t0);
      long startAt = System.currentTimeMillis() + warmup.toMillis();
      Path tmp = Files.writeString(logDir.resolve(control.getFileName() + ".tmp"),
          startAt + " " + measure.toMillis() + " " + repetitions);
      Files.move(tmp, control, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      long[] tasks = new long[repetitions];
      for (int i = 0; i < CLIENTS; i++) {
        long deadline = startAt + repetitions * measure.toMillis() + 120_000 - System.currentTimeMillis();
        if (!drivers.get(i).waitFor(Math.max(1, deadline), TimeUnit.MILLISECONDS)) {
          throw new IllegalStateException(NAME + ": driver " + i + " did not finish; see " + outputs.get(i));
        }
        if (drivers.get(i).exitValue() != 0) {
          throw new IllegalStateException(NAME + ": driver " + i + " failed (exit " + drivers.get(i).exitValue()
              + "); see " + outputs.get(i));
        }
        for (String line : lines(outputs.get(i))) {
          if (line.startsWith("WINDOW ")) {
            String[] f = line.split(" ");
            tasks[Integer.parseInt(f[1])] += Long.parseLong(f[2]);
          }
        }
      }
      List<Double> rates = new ArrayList<>();
      for (long t : tasks) {
        double rate = t / (measure.toNanos() / 1e9);
        rates.add(rate);
        System.err.printf(Locale.ROOT, "  %.1f tasks/s%n", rate);
      }
      return Microbenchmark.Result.of(NAME, "tasks/s", rates);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } finally {
      drivers.forEach(Process::destroyForcibly);
      try {
        Files.deleteIfExists(control);
      } catch (IOException ignored) {
        // a stale control file names this pid only
      }
    }
  }

  private static List<String> lines(Path f) throws IOException {
    return Files.exists(f) ? Files.readAllLines(f) : List.of();
  }

  /**
   * One client: {@code CONTROL_FILE}; joins JRAY_ADDRESS, runs a batch, prints READY, waits for
   * the control file ({@code START_EPOCH_MS WINDOW_MS WINDOWS}), runs, prints "WINDOW i tasks".
   */
  static final class Client {
    private Client() {}

    public static void main(String[] args) throws Exception {
      Path control = Path.of(args[0]);
      JRay.init();
      try {
        Microbenchmark.submitAndGet(Microbenchmark.ASYNC_TASKS_IN_FLIGHT);
        System.out.println("READY");
        System.out.flush();
        while (!Files.exists(control)) {
          Thread.sleep(50);
        }
        String[] f = Files.readString(control).trim().split(" ");
        long start = Long.parseLong(f[0]);
        long window = Long.parseLong(f[1]);
        int windows = Integer.parseInt(f[2]);
        long end = start + window * windows;
        long[] counts = new long[windows];
        while (true) {
          long done = Microbenchmark.submitAndGet(Microbenchmark.ASYNC_TASKS_IN_FLIGHT);
          long now = System.currentTimeMillis();
          if (now >= end) {
            break;
          }
          if (now >= start) {
            counts[(int) ((now - start) / window)] += done;
          }
        }
        for (int i = 0; i < windows; i++) {
          System.out.println("WINDOW " + i + " " + counts[i]);
        }
      } finally {
        JRay.shutdown();
      }
    }
  }
}
