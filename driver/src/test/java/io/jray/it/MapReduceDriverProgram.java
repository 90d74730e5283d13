package io.jray.it;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A driver in its own JVM for the chaos tests: connects through JRAY_ADDRESS and JRAY_AUTH_TOKEN,
 * runs a map-reduce of {@code args[0]} maps ({@link TestTasks#mapLongs}, numbered from
 * {@code args[1]}) and a fifth as many reduces, checks every value and prints {@code OK <ms>}, or
 * {@code WRONG ...} and exits 1; an exception ends it with exit 2 and its stack trace.
 */
public final class MapReduceDriverProgram {
  private MapReduceDriverProgram() {}

  public static void main(String[] args) throws Exception {
    int maps = Integer.parseInt(args[0]);
    int first = Integer.parseInt(args[1]);
    JRay.init();
    try {
      long t0 = System.nanoTime();
      List<ObjectRef<long[]>> out = new ArrayList<>(maps);
      for (int i = 0; i < maps; i++) {
        out.add(JRay.task(TestTasks::mapLongs, first + i).setMaxRetries(-1).remote());
      }
      List<ObjectRef<Long>> reduces = new ArrayList<>(maps / 5);
      for (int b = 0; b + 4 < maps; b += 5) {
        reduces.add(JRay.task(TestTasks::reduce5, out.get(b), out.get(b + 1), out.get(b + 2), out.get(b + 3),
            out.get(b + 4)).setMaxRetries(-1).remote());
      }
      List<Long> got = JRay.get(reduces, Duration.ofMinutes(6));
      for (int j = 0; j < got.size(); j++) {
        int b = first + 5 * j;
        long want = TestTasks.reduce5(TestTasks.longsOf(b), TestTasks.longsOf(b + 1), TestTasks.longsOf(b + 2),
            TestTasks.longsOf(b + 3), TestTasks.longsOf(b + 4));
        if (got.get(j) != want) {
          System.out.println("WRONG reduce " + j + ": " + got.get(j) + " != " + want);
          System.exit(1);
        }
      }
      System.out.println("OK " + (System.nanoTime() - t0) / 1_000_000);
    } catch (Throwable e) {
      System.out.println("FAILED " + e);
      e.printStackTrace(System.out);
      System.out.flush();
      System.exit(2);
    } finally {
      JRay.shutdown();
    }
  }
}
