package io.jray.examples;

import io.jray.api.ActorHandle;
import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.api.Progress;
import io.jray.api.Remote;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An actor holding shared state: a parameter server keeps a weight vector, and worker tasks,
 * handed its {@link ActorHandle}, read the weights, compute an update and push it back. The
 * updates are additions, so the order they land in does not change the result, which is checked
 * against a local computation. Usage: {@code ParameterServer [workers=4] [rounds=20] [size=1000]}.
 */
public final class ParameterServer {
  private ParameterServer() {}

  /** The actor: one weight vector, changed only by its own methods, one call at a time. */
  @Remote
  public static final class Weights {
    private final double[] values;
    private long updates;

    public Weights(int size) {
      this.values = new double[size];
    }

    public double[] get() {
      return values.clone();
    }

    public long push(double[] delta) {
      for (int i = 0; i < values.length; i++) {
        values[i] += delta[i];
      }
      return ++updates;
    }
  }

  /** A worker's update for one round: deterministic, so the driver can check the sum. */
  static double[] delta(int worker, int round, int size) {
    double[] d = new double[size];
    for (int i = 0; i < size; i++) {
      d[i] = ((worker + 1) * (round + 1) + i % 7) * 1e-3;
    }
    return d;
  }

  /** A worker task: {@code rounds} times, read the weights and push its update. */
  @Remote
  public static int train(ActorHandle<Weights> server, int worker, int rounds, int size) {
    for (int r = 0; r < rounds; r++) {
      double[] w = server.task(Weights::get).remote().get();
      if (w.length != size) {
        throw new IllegalStateException("weights have " + w.length + " entries, expected " + size);
      }
      server.task(Weights::push, delta(worker, r, size)).remote().get();
    }
    return rounds;
  }

  public static void main(String[] args) {
    int workers = args.length > 0 ? Integer.parseInt(args[0]) : 4;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int size = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    if (workers < 1 || rounds < 1 || size < 1) {
      throw new IllegalArgumentException("Usage: ParameterServer [workers >= 1] [rounds >= 1] [size >= 1]");
    }
    JRay.init();
    try {
      long start = System.nanoTime();
      ActorHandle<Weights> server = JRay.actor(Weights::new, size).remote();
      List<ObjectRef<Integer>> done = new ArrayList<>();
      for (int w = 0; w < workers; w++) {
        done.add(JRay.task(ParameterServer::train, server, w, rounds, size).remote());
      }
      JRay.get(done, Progress.bar("trainers"));
      double[] result = server.task(Weights::get).remote().get();
      double[] expected = new double[size];
      for (int w = 0; w < workers; w++) {
        for (int r = 0; r < rounds; r++) {
          double[] d = delta(w, r, size);
          for (int i = 0; i < size; i++) {
            expected[i] += d[i];
          }
        }
      }
      double maxError = 0;
      for (int i = 0; i < size; i++) {
        maxError = Math.max(maxError, Math.abs(result[i] - expected[i]));
      }
      System.out.printf("%d workers x %d rounds pushed %d updates into %d weights in %.2f s; max error %.2e%n",
          workers, rounds, workers * rounds, size, (System.nanoTime() - start) / 1e9, maxError);
      System.out.println("first weights: " + Arrays.toString(Arrays.copyOf(result, Math.min(5, size))));
      if (maxError > 1e-6) {
        throw new IllegalStateException("the weights differ from the local sum by " + maxError);
      }
      server.kill();
    } finally {
      JRay.shutdown();
    }
  }
}
