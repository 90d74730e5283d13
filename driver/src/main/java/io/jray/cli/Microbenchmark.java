package io.jray.cli;

import io.jray.api.ActorHandle;
import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The core of {@code jray microbenchmark}: throughput of the basic operations, with metric names
 * and definitions taken from Ray's {@code ray microbenchmark} ({@code python/ray/_private/ray_perf.py})
 * so the numbers can be set side by side.
 *
 * <p>Each metric is warmed up, then measured in several time-boxed runs; the result is the median
 * and spread of the per-run rates. A run counts the operations it completed and divides by the
 * time they actually took (the last batch may end after the time box), so a slow final batch
 * cannot inflate the rate. It assumes {@code JRay.init(...)} has been called, and drives the
 * cluster from the calling thread only: these are the "single client" metrics.
 */
public final class Microbenchmark {
  /** The metrics {@link #run} knows, in the order it is suggested to run them. */
  public static final List<String> METRICS = List.of(
      "single_client_tasks_sync",
      "single_client_tasks_async",
      MultiClientBenchmark.NAME,
      "single_client_tasks_and_get_batch",
      "1_1_actor_calls_sync",
      "1_1_actor_calls_async",
      "1_1_actor_calls_concurrent",
      "n_n_actor_calls_async",
      "actor_creation_per_second",
      "single_client_put_calls",
      "single_client_get_calls",
      "single_client_put_calls_1mib",
      "single_client_get_calls_1mib",
      "single_client_put_gigabytes",
      "single_client_get_gigabytes",
      "single_client_get_gigabytes_bytebuffer",
      "inter_node_get_gigabytes",
      OwnershipFootprint.NAME);

  /** Object size of the gigabyte metrics: 1 GiB, as in Ray's put_gigabytes. */
  static final int GIGABYTE_OBJECT = 1 << 30;

  /** Tasks kept in flight by {@code single_client_tasks_async}, as in Ray. */
  static final int ASYNC_TASKS_IN_FLIGHT = 1000;

  /** Actor calls kept in flight by the async actor metrics, as in Ray. */
  static final int ACTOR_CALLS_IN_FLIGHT = 1000;

  /** Actors made per round of {@code actor_creation_per_second}. */
  static final int ACTORS_PER_ROUND = 4;

  /** Tasks per batch of {@code single_client_tasks_and_get_batch}, as in Ray. */
  static final int GET_BATCH_SIZE = 1000;

  /**
   * put/get calls between two looks at the clock: one call takes microseconds, so a batch of 100
   * overruns the time box by well under a millisecond.
   */
  private static final int CALLS_PER_CHECK = 100;

  private Microbenchmark() {}

  /**
   * The outcome of one metric: the median, minimum and maximum of the per-run rates, in
   * {@code unit}, and each run's rate in the order they ran.
   */
  public record Result(String name, double median, double min, double max, String unit, List<Double> runs) {
    public Result {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(unit, "unit");
      runs = List.copyOf(runs);
    }

    /** The result of {@code runs} (at least one): their median, minimum and maximum. */
    public static Result of(String name, String unit, List<Double> runs) {
      List<Double> sorted = new ArrayList<>(runs);
      Collections.sort(sorted);
      int n = sorted.size();
      double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
      return new Result(name, median, sorted.get(0), sorted.get(n - 1), unit, runs);
    }

    /** Sample standard deviation of the runs; 0 for a single run. */
    public double stddev() {
      int n = runs.size();
      if (n < 2) {
        return 0;
      }
      double mean = runs.stream().mapToDouble(Double::doubleValue).average().orElse(0);
      double squares = runs.stream().mapToDouble(r -> (r - mean) * (r - mean)).sum();
      return Math.sqrt(squares / (n - 1));
    }
  }

  /**
   * One metric, ready to run: each call of {@code batch} does some operations and returns how many.
   * A batch may set {@code nanos[0]} to the time that counts (the gigabyte metrics leave out the
   * GC that frees the previous object); otherwise its wall-clock time counts.
   */
  private record Metric(String unit, double scale, Batch batch) {
    Metric(String unit, LongSupplier simple) {
      this(unit, 1.0, nanos -> simple.getAsLong());
    }
  }

  /** See {@link Metric}. */
  private interface Batch {
    long run(long[] nanos);
  }

  /**
   * Runs each of {@code metricNames} (see {@link #METRICS}) in order: warms it up for
   * {@code warmup}, then measures {@code repetitions} runs of {@code measure} each. Progress goes
   * to {@code System.err}. Every name is checked before anything runs.
   *
   * @throws IllegalArgumentException for an unknown name, a negative duration or fewer than one repetition
   */
  public static List<Result> run(List<String> metricNames, Duration warmup, Duration measure, int repetitions) {
    return run(metricNames, warmup, measure, repetitions, (w, m, r) -> {
      throw new IllegalArgumentException(MultiClientBenchmark.NAME + " needs the cluster's address to start its"
          + " drivers: run it with jray microbenchmark");
    });
  }

  /** Runs metrics that start their own drivers (multi_client_*). */
  interface MultiClientRun {
    Result apply(Duration warmup, Duration measure, int repetitions);
  }

  /** As {@link #run(List, Duration, Duration, int)}, with {@code multiClient} for the multi-driver metric. */
  static List<Result> run(List<String> metricNames, Duration warmup, Duration measure, int repetitions,
      MultiClientRun multiClient) {
    Objects.requireNonNull(metricNames, "metricNames");
    Objects.requireNonNull(warmup, "warmup");
    Objects.requireNonNull(measure, "measure");
    for (String name : metricNames) {
      if (!METRICS.contains(name)) {
        throw new IllegalArgumentException("Unknown metric '" + name + "'; known metrics: " + String.join(", ", METRICS));
      }
    }
    if (warmup.isNegative() || measure.isNegative()) {
      throw new IllegalArgumentException("warmup and measure must not be negative, got " + warmup + " and " + measure);
    }
    if (repetitions < 1) {
      throw new IllegalArgumentException("repetitions must be >= 1, got " + repetitions);
    }
    List<Result> results = new ArrayList<>(metricNames.size());
    for (String name : metricNames) {
      if (name.equals(MultiClientBenchmark.NAME)) {
        results.add(multiClient.apply(warmup, measure, repetitions));
      } else if (name.equals(OwnershipFootprint.NAME)) {
        results.add(OwnershipFootprint.run(repetitions));
      } else {
        results.add(runOne(name, metric(name), warmup, measure, repetitions));
      }
    }
    return results;
  }

  private static Metric metric(String name) {
    return switch (name) {
      case "single_client_tasks_sync" -> new Metric("tasks/s", () -> {
        JRay.task(BenchTasks::noop).remote().get();
        return 1;
      });
      // Ray: ray.get([small_value.remote() for _ in range(1000)]), counted as 1000 tasks.
      case "single_client_tasks_async" -> new Metric("tasks/s", () -> submitAndGet(ASYNC_TASKS_IN_FLIGHT));
      // Ray runs the same 1000-task submit-then-get batch here but counts each batch as one
      // operation (timeit multiplier 1), so its figure is batches per second; we keep that so the
      // numbers compare directly. Multiply by GET_BATCH_SIZE for tasks per second.
      case "single_client_tasks_and_get_batch" -> new Metric("batches/s", () -> {
        submitAndGet(GET_BATCH_SIZE);
        return 1;
      });
      // Ray's ray_perf.py: one actor, one call at a time.
      case "1_1_actor_calls_sync" -> {
        ActorHandle<BenchActor> a = actor(1);
        yield new Metric("calls/s", () -> {
          a.task(BenchActor::noop).remote().get();
          return 1;
        });
      }
      // 1000 calls in flight, then their results.
      case "1_1_actor_calls_async" -> {
        ActorHandle<BenchActor> a = actor(1);
        yield new Metric("calls/s", () -> callAndGet(a, ACTOR_CALLS_IN_FLIGHT));
      }
      // The same on an actor running 16 calls at once.
      case "1_1_actor_calls_concurrent" -> {
        ActorHandle<BenchActor> a = actor(16);
        yield new Metric("calls/s", () -> callAndGet(a, ACTOR_CALLS_IN_FLIGHT));
      }
      // As in Ray: one actor per CPU, each called by a task of its own, 1000 calls per round.
      case "n_n_actor_calls_async" -> {
        int n = Math.max(2, Runtime.getRuntime().availableProcessors());
        List<ActorHandle<BenchActor>> actors = new ArrayList<>();
        List<ObjectRef<Integer>> alive = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          ActorHandle<BenchActor> a = JRay.actor(BenchActor::new).remote();
          actors.add(a);
          alive.add(a.task(BenchActor::noop).remote());
        }
        // a JVM start each, before the clock starts: the one wait here long enough to show
        JRay.get(alive, io.jray.api.Progress.bar("starting " + n + " actors"));
        yield new Metric("calls/s", () -> {
          List<ObjectRef<Integer>> clients = new ArrayList<>(n);
          for (ActorHandle<BenchActor> a : actors) {
            clients.add(JRay.task(BenchActor::callActor, a, ACTOR_CALLS_IN_FLIGHT).remote());
          }
          long calls = 0;
          for (int c : JRay.get(clients)) {
            calls += c;
          }
          return calls;
        });
      }
      // Actors created until each answers a call, then killed: creation end to end, JVM start included.
      case "actor_creation_per_second" -> new Metric("actors/s", () -> {
        List<ActorHandle<BenchActor>> made = new ArrayList<>(ACTORS_PER_ROUND);
        List<ObjectRef<Integer>> pings = new ArrayList<>(ACTORS_PER_ROUND);
        for (int i = 0; i < ACTORS_PER_ROUND; i++) {
          ActorHandle<BenchActor> a = JRay.actor(BenchActor::new).remote();
          made.add(a);
          pings.add(a.task(BenchActor::noop).remote());
        }
        JRay.get(pings);
        made.forEach(ActorHandle::kill);
        return ACTORS_PER_ROUND;
      });
      case "single_client_put_calls" -> new Metric("calls/s", () -> {
        for (int i = 0; i < CALLS_PER_CHECK; i++) {
          JRay.put(0);
        }
        return CALLS_PER_CHECK;
      });
      case "single_client_get_calls" -> {
        // One object, fetched over and over: this times the owner's lookup, not the put.
        ObjectRef<Integer> ref = JRay.put(0);
        yield new Metric("calls/s", () -> {
          for (int i = 0; i < CALLS_PER_CHECK; i++) {
            JRay.get(ref);
          }
          return CALLS_PER_CHECK;
        });
      }
      case "single_client_put_calls_1mib" -> {
        byte[] mib = new byte[1 << 20];
        yield new Metric("calls/s", () -> {
          for (int i = 0; i < 10; i++) {
            JRay.put(mib);
          }
          freeDroppedObjects(false);
          return 10;
        });
      }
      case "single_client_get_calls_1mib" -> {
        ObjectRef<byte[]> ref = JRay.put(new byte[1 << 20]);
        yield new Metric("calls/s", () -> {
          for (int i = 0; i < 10; i++) {
            JRay.get(ref);
          }
          return 10;
        });
      }
      case "single_client_put_gigabytes" -> {
        byte[] gib = new byte[GIGABYTE_OBJECT];
        java.util.Arrays.fill(gib, (byte) 1);
        yield new Metric("GB/s", 1e-9, nanos -> {
          long t0 = System.nanoTime();
          JRay.put(gib);
          nanos[0] = System.nanoTime() - t0;
          freeDroppedObjects(true);
          return GIGABYTE_OBJECT;
        });
      }
      case "single_client_get_gigabytes" -> {
        ObjectRef<byte[]> ref = JRay.put(new byte[GIGABYTE_OBJECT]);
        yield new Metric("GB/s", 1e-9, nanos -> {
          long t0 = System.nanoTime();
          byte[] b = JRay.get(ref);
          nanos[0] = System.nanoTime() - t0;
          if (b.length != GIGABYTE_OBJECT) {
            throw new IllegalStateException("got " + b.length + " bytes");
          }
          return GIGABYTE_OBJECT;
        });
      }
      case "single_client_get_gigabytes_bytebuffer" -> {
        ObjectRef<java.nio.ByteBuffer> ref = JRay.put(java.nio.ByteBuffer.allocateDirect(GIGABYTE_OBJECT));
        yield new Metric("GB/s", 1e-9, nanos -> {
          long t0 = System.nanoTime();
          java.nio.ByteBuffer b = JRay.get(ref);
          nanos[0] = System.nanoTime() - t0;
          if (b.remaining() != GIGABYTE_OBJECT) {
            throw new IllegalStateException("got " + b.remaining() + " bytes");
          }
          return GIGABYTE_OBJECT;
        });
      }
      case "inter_node_get_gigabytes" -> {
        io.jray.api.SchedulingStrategy there = io.jray.api.SchedulingStrategy.nodeAffinity(otherNode(), false);
        yield new Metric("GB/s", 1e-9, nanos -> {
          // made on the other node; timed from the driver's get until the bytes are in its heap
          ObjectRef<byte[]> ref = JRay.task(BenchTasks::zeros, GIGABYTE_OBJECT).setSchedulingStrategy(there).remote();
          JRay.wait(List.of(ref), 1, Duration.ofMinutes(5));
          long t0 = System.nanoTime();
          byte[] b = JRay.get(ref);
          nanos[0] = System.nanoTime() - t0;
          if (b.length != GIGABYTE_OBJECT) {
            throw new IllegalStateException("got " + b.length + " bytes");
          }
          freeDroppedObjects(true);
          return GIGABYTE_OBJECT;
        });
      }
      default -> throw new IllegalArgumentException(
          "Unknown metric '" + name + "'; known metrics: " + String.join(", ", METRICS));
    };
  }

  /** A node other than the driver's (found by spreading probe tasks), for the inter-node metrics. */
  private static io.jray.api.NodeId otherNode() {
    io.jray.api.NodeId here = JRay.runtimeContext().nodeId();
    for (int i = 0; i < 50; i++) {
      String n = JRay.task(BenchTasks::nodeId).setSchedulingStrategy(io.jray.api.SchedulingStrategy.SPREAD).remote()
          .get();
      if (!n.equals(here.hex())) {
        return io.jray.api.NodeId.fromHex(n);
      }
    }
    throw new IllegalStateException("inter_node_get_gigabytes needs a second node; none ran a task");
  }

  private static int putsSinceGc;

  /**
   * Owners free an object when its last ObjectRef is collected, so a put loop that drops its refs
   * needs the GC to run for the store to get its memory back (Ray frees on its refcount at once).
   * The 1 MiB loop runs {@code System.gc()} every 250 puts, inside the measured time; the gigabyte
   * loop frees after every put, outside it.
   */
  private static void freeDroppedObjects(boolean always) {
    if (always || ++putsSinceGc >= 25) {
      putsSinceGc = 0;
      System.gc();
      try {
        Thread.sleep(always ? 200 : 0);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** An actor for the actor metrics, alive (it answered a call) before the clock starts. */
  private static ActorHandle<BenchActor> actor(int maxConcurrency) {
    ActorHandle<BenchActor> a = JRay.actor(BenchActor::new).setMaxConcurrency(maxConcurrency).remote();
    a.task(BenchActor::noop).remote().get();
    return a;
  }

  static long callAndGet(ActorHandle<BenchActor> a, int calls) {
    List<ObjectRef<Integer>> refs = new ArrayList<>(calls);
    for (int i = 0; i < calls; i++) {
      refs.add(a.task(BenchActor::noop).remote());
    }
    JRay.get(refs);
    return calls;
  }

  static long submitAndGet(int tasks) {
    List<ObjectRef<Integer>> refs = new ArrayList<>(tasks);
    for (int i = 0; i < tasks; i++) {
      refs.add(JRay.task(BenchTasks::noop).remote());
    }
    JRay.get(refs);
    return tasks;
  }

  private static Result runOne(String name, Metric metric, Duration warmup, Duration measure, int repetitions) {
    if (!warmup.isZero()) {
      System.err.printf(Locale.ROOT, "warming up %s for %s...%n", name, seconds(warmup));
      long end = System.nanoTime() + warmup.toNanos();
      long[] ignored = new long[1];
      while (System.nanoTime() - end < 0) {
        metric.batch().run(ignored);
      }
    }
    List<Double> rates = new ArrayList<>(repetitions);
    for (int run = 1; run <= repetitions; run++) {
      System.err.printf(Locale.ROOT, "measuring %s, run %d/%d for %s...%n", name, run, repetitions, seconds(measure));
      long start = System.nanoTime();
      long end = start + measure.toNanos();
      long ops = 0;
      long now;
      // At least one batch, so even a zero time box yields a rate rather than 0/0.
      long counted = 0;
      long[] nanos = new long[1];
      do {
        long before = System.nanoTime();
        nanos[0] = -1;
        ops += metric.batch().run(nanos);
        now = System.nanoTime();
        counted += nanos[0] >= 0 ? nanos[0] : now - before;
      } while (now - end < 0);
      double rate = ops * metric.scale() / (counted / 1e9);
      rates.add(rate);
      System.err.printf(Locale.ROOT, "  %.1f %s%n", rate, metric.unit());
    }
    return Result.of(name, metric.unit(), rates);
  }

  private static String seconds(Duration d) {
    double s = d.toNanos() / 1e9;
    return s == Math.rint(s) ? String.format(Locale.ROOT, "%.0f s", s) : String.format(Locale.ROOT, "%.3f s", s);
  }

  /**
   * One line per metric in the style of Ray's {@code ray microbenchmark}
   * ({@code single_client_tasks_async per second 8000.5 +- 100.2}), where the first number is the
   * median run and the second the standard deviation of the runs, followed by the unit, the
   * extremes and every run.
   */
  public static String formatLine(Result r) {
    StringBuilder runs = new StringBuilder();
    for (double v : r.runs()) {
      if (!runs.isEmpty()) {
        runs.append(", ");
      }
      runs.append(String.format(Locale.ROOT, "%.1f", v));
    }
    return String.format(Locale.ROOT, "%s%s %.2f +- %.2f (%s; min %.2f, max %.2f, runs [%s])",
        r.name(), r.unit().endsWith("/s") ? " per second" : "", r.median(), r.stddev(), r.unit(), r.min(), r.max(),
        runs);
  }

  /** The results as a JSON array of objects with name, unit, median, min, max and runs. */
  public static String toJson(List<Result> results) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < results.size(); i++) {
      Result r = results.get(i);
      sb.append(i == 0 ? "\n" : ",\n");
      sb.append("  {\"name\": ").append(jsonString(r.name()))
          .append(", \"unit\": ").append(jsonString(r.unit()))
          .append(", \"median\": ").append(jsonNumber(r.median()))
          .append(", \"min\": ").append(jsonNumber(r.min()))
          .append(", \"max\": ").append(jsonNumber(r.max()))
          .append(", \"runs\": [");
      for (int j = 0; j < r.runs().size(); j++) {
        if (j > 0) {
          sb.append(", ");
        }
        sb.append(jsonNumber(r.runs().get(j)));
      }
      sb.append("]}");
    }
    return sb.append(results.isEmpty() ? "]" : "\n]").toString();
  }

  private static String jsonNumber(double v) {
    // JSON has no NaN or Infinity; null keeps the document parseable.
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "null";
  }

  private static String jsonString(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
