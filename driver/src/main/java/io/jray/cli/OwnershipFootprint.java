package io.jray.cli;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code owner_bytes_per_object}: heap an owner spends per object it owns, measured as Ray's
 * users feel it: 1,000,000 {@code JRay.put} of small values whose refs are held, heap in use after
 * a full GC before and after, divided by the count. It includes the ownership table entry, the
 * value, the cleaner registration and the {@code ObjectRef} itself, less the list holding the refs.
 */
final class OwnershipFootprint {
  static final String NAME = "owner_bytes_per_object";
  static final int OBJECTS = 1_000_000;

  private OwnershipFootprint() {}

  static Microbenchmark.Result run(int repetitions) {
    List<Double> runs = new ArrayList<>();
    for (int rep = 1; rep <= repetitions; rep++) {
      System.err.printf(Locale.ROOT, "measuring %s, run %d/%d: %,d puts...%n", NAME, rep, repetitions, OBJECTS);
      List<ObjectRef<Integer>> refs = new ArrayList<>(OBJECTS);
      int owned0 = io.jray.runtime.CoreWorker.current().ownedObjectCount();
      long before = usedAfterGc();
      for (int i = 0; i < OBJECTS; i++) {
        refs.add(JRay.put(i));
      }
      long after = usedAfterGc();
      // the list's own array is the caller's, not the owner's: one reference per slot
      long listBytes = 16L + 4L * OBJECTS;
      double perObject = (after - before - listBytes) / (double) OBJECTS;
      runs.add(perObject);
      System.err.printf(Locale.ROOT, "  %.1f bytes/object (%d refs held)%n", perObject, refs.size());
      refs.clear();
      // the next run's baseline must not include entries the cleaner has yet to free
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (io.jray.runtime.CoreWorker.current().ownedObjectCount() > owned0 && System.nanoTime() < deadline) {
        usedAfterGc();
      }
    }
    return Microbenchmark.Result.of(NAME, "bytes/object", runs);
  }

  private static long usedAfterGc() {
    var mem = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
      try {
        Thread.sleep(200); // the cleaner thread uncounts refs between collections
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return mem.getHeapMemoryUsage().getUsed();
  }
}
