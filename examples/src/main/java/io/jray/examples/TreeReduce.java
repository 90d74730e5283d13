package io.jray.examples;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.api.Remote;

/**
 * Sums 1..n with a tree of nested tasks: each task splits its range in two, submits a child task
 * for each half and waits for both, until the tree is {@code depth} levels deep. A parent blocks
 * in {@code get} while its children run; the runtime gives its CPU back meanwhile, so a tree
 * larger than the cluster's CPUs still finishes. Usage: {@code TreeReduce [n] [depth]}.
 */
public final class TreeReduce {
  /** Ranges this short are summed directly: splitting them costs more than it saves. */
  static final long LEAF_SIZE = 1_000;

  private TreeReduce() {}

  /** The sum of {@code from..to} (both inclusive), split into child tasks while {@code depth > 0}. */
  @Remote
  public static long sum(long from, long to, int depth) {
    if (depth <= 0 || to - from + 1 <= LEAF_SIZE) {
      long total = 0;
      for (long i = from; i <= to; i++) {
        total += i;
      }
      return total;
    }
    long mid = from + (to - from) / 2;
    // Submit both halves before waiting on either so they run in parallel.
    ObjectRef<Long> left = JRay.task(TreeReduce::sum, from, mid, depth - 1).remote();
    ObjectRef<Long> right = JRay.task(TreeReduce::sum, mid + 1, to, depth - 1).remote();
    return JRay.get(left) + JRay.get(right);
  }

  public static void main(String[] args) {
    long n = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
    int depth = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    if (n < 1 || depth < 0) {
      throw new IllegalArgumentException("Usage: TreeReduce [n >= 1] [depth >= 0], got n=" + n + ", depth=" + depth);
    }
    // Halve the even factor first so n * (n + 1) does not overflow before the division.
    long expected = n % 2 == 0 ? (n / 2) * (n + 1) : n * ((n + 1) / 2);
    JRay.init();
    try {
      long start = System.nanoTime();
      long result = JRay.get(JRay.task(TreeReduce::sum, 1L, n, depth).remote());
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("sum(1..%,d) = %,d, expected %,d: %s (depth %d, %.2f s)%n", n, result, expected,
          result == expected ? "OK" : "MISMATCH", depth, seconds);
      if (result != expected) {
        throw new IllegalStateException("Tree reduction returned " + result + ", expected " + expected);
      }
    } finally {
      JRay.shutdown();
    }
  }
}
