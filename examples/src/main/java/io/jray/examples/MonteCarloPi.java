package io.jray.examples;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.api.Progress;
import io.jray.api.Remote;
import io.jray.api.SchedulingStrategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Estimates π with remote tasks: each task throws darts at the unit square and counts the hits
 * inside the quarter circle. Usage: {@code MonteCarloPi [tasks] [samplesPerTask] [spread]}: with
 * {@code spread} the tasks go round-robin over the nodes ({@link SchedulingStrategy#SPREAD}), which
 * the Docker Compose demo uses to show every node at work.
 */
public final class MonteCarloPi {
  private MonteCarloPi() {}

  /** Hits of one batch, and which worker process on which node threw them. */
  public record Sample(long inside, long total, long workerPid, String nodeId) {}

  @Remote
  public static Sample sample(long n) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long inside = 0;
    for (long i = 0; i < n; i++) {
      double x = r.nextDouble();
      double y = r.nextDouble();
      if (x * x + y * y <= 1.0) {
        inside++;
      }
    }
    return new Sample(inside, n, ProcessHandle.current().pid(), JRay.runtimeContext().nodeId().hex());
  }

  public static void main(String[] args) {
    int tasks = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    long perTask = args.length > 1 ? Long.parseLong(args[1]) : 100_000;
    boolean spread = args.length > 2 && args[2].equals("spread");
    if (args.length > 2 && !spread) {
      throw new IllegalArgumentException("third argument must be 'spread', got " + args[2]);
    }
    JRay.init();
    try {
      run(tasks, perTask, spread ? SchedulingStrategy.SPREAD : SchedulingStrategy.DEFAULT);
    } finally {
      JRay.shutdown();
    }
  }

  /** Runs the estimate on the cluster this JVM is connected to with DEFAULT scheduling and prints it. */
  public static void run(int tasks, long perTask) {
    run(tasks, perTask, SchedulingStrategy.DEFAULT);
  }

  /** Runs the estimate with the given scheduling strategy and prints it, and the nodes that ran tasks. */
  public static void run(int tasks, long perTask, SchedulingStrategy strategy) {
    long start = System.nanoTime();
    List<ObjectRef<Sample>> refs = new ArrayList<>(tasks);
    for (int i = 0; i < tasks; i++) {
      refs.add(JRay.task(MonteCarloPi::sample, perTask).setSchedulingStrategy(strategy).remote());
    }
    long inside = 0;
    long total = 0;
    List<Sample> samples = JRay.get(refs, Progress.bar("samples"));
    Map<String, Integer> byNode = new TreeMap<>();
    for (Sample s : samples) {
      inside += s.inside();
      total += s.total();
      byNode.merge(s.nodeId(), 1, Integer::sum);
    }
    // pids repeat across machines (containers start theirs at 1): on several nodes a worker is
    // named by its node's id prefix and its pid
    Map<String, Integer> byWorker = new TreeMap<>();
    for (Sample s : samples) {
      String worker = byNode.size() == 1 ? Long.toString(s.workerPid())
          : s.nodeId().substring(0, 8) + ":" + s.workerPid();
      byWorker.merge(worker, 1, Integer::sum);
    }
    double pi = 4.0 * inside / total;
    System.out.printf("pi ~= %.6f (error %.6f) from %,d samples in %d tasks, %.2f s%n", pi, Math.abs(pi - Math.PI),
        total, tasks, (System.nanoTime() - start) / 1e9);
    System.out.println(tasks + " tasks ran on " + byWorker.size() + " worker processes ("
        + (byNode.size() == 1 ? "pid" : "node:pid") + "=tasks): " + byWorker);
    System.out.println(tasks + " tasks ran on " + byNode.size() + " nodes (node id=tasks): " + byNode);
  }
}
