package io.jray.it;

import io.jray.api.JRay;
import io.jray.api.NodeId;
import io.jray.api.ObjectRef;
import io.jray.api.Remote;
import io.jray.api.SchedulingStrategy;
import java.time.Duration;

/**
 * A driver for {@link HugeValueBadInputIT} in a JVM with the heap for it: puts a {@code long[]}
 * larger than 2 GiB, gets it back, and has a task on another node read it. Argument: that node's
 * id (hex) and the array's length. Prints {@code READY ...} with the checksums and timings.
 */
public final class HugeValueDriverProgram {
  private HugeValueDriverProgram() {}

  /** The value at index i: distinct per index, so a chunk copied to the wrong offset changes the sum. */
  static long valueAt(long i) {
    return i * 0x9E3779B97F4A7C15L + 7;
  }

  /** A checksum that depends on every element and its position. */
  @Remote
  public static long checksum(long[] a) {
    long h = a.length;
    for (int i = 0; i < a.length; i++) {
      h = h * 31 + a[i];
    }
    return h;
  }

  public static void main(String[] args) throws Exception {
    JRay.init();
    NodeId other = NodeId.fromHex(args[0]);
    int length = Integer.parseInt(args[1]);
    long[] value = new long[length];
    for (int i = 0; i < length; i++) {
      value[i] = valueAt(i);
    }
    long expected = checksum(value);
    long t0 = System.nanoTime();
    ObjectRef<long[]> ref = JRay.put(value);
    long t1 = System.nanoTime();
    value = null; // the driver holds one copy at a time
    long[] back = ref.get(Duration.ofMinutes(5));
    long t2 = System.nanoTime();
    long local = back.length == length ? checksum(back) : -1;
    back = null;
    long t3 = System.nanoTime();
    long remote = JRay.task(HugeValueDriverProgram::checksum, ref)
        .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(other, false)).remote().get(Duration.ofMinutes(10));
    long t4 = System.nanoTime();
    System.out.printf("READY expected=%d local=%d remote=%d put_ms=%d get_ms=%d remote_task_ms=%d%n", expected, local,
        remote, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t4 - t3) / 1_000_000);
    System.out.flush();
    JRay.shutdown();
  }
}
