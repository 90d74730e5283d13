package io.jray.it;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.api.Remote;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Remote tasks the integration tests run on worker JVMs. */
@Remote
public final class TestTasks {
  private TestTasks() {}

  public static int noop(int i) {
    return i;
  }

  public static int increment(int i) {
    return i + 1;
  }

  public static void sideEffect(String path) throws IOException {
    Files.writeString(Path.of(path), "done");
  }

  public static String describe(Person p) {
    return p.name() + " is " + p.age() + " and likes " + String.join(",", p.likes());
  }

  public static Person older(Person p, int years) {
    return new Person(p.name(), p.age() + years, p.likes(), p.scores());
  }

  public static Map<String, int[]> arrays(int n) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i * i;
    }
    return Map.of("squares", a);
  }

  public static int fail(String message) {
    throw new IllegalStateException(message);
  }

  public static long sleepMillis(long ms) throws InterruptedException {
    Thread.sleep(ms);
    return ms;
  }

  /** Start and end of a one-second task, on the machine-wide monotonic clock (shared by processes on Linux). */
  public static long[] timed(long ms) throws InterruptedException {
    long start = System.nanoTime();
    Thread.sleep(ms);
    return new long[] {start, System.nanoTime(), ProcessHandle.current().pid()};
  }

  /** Sums 1..n with a binary tree of nested tasks, {@code depth} levels deep. */
  public static long treeSum(long from, long to, int depth) {
    if (depth == 0 || to - from < 2) {
      long s = 0;
      for (long i = from; i <= to; i++) {
        s += i;
      }
      return s;
    }
    long mid = (from + to) / 2;
    ObjectRef<Long> left = JRay.task(TestTasks::treeSum, from, mid, depth - 1).remote();
    ObjectRef<Long> right = JRay.task(TestTasks::treeSum, mid + 1, to, depth - 1).remote();
    return JRay.get(left) + JRay.get(right);
  }

  /** First attempt: records its pid and hangs (to be killed); later attempts return 42. */
  public static int crashOnce(String pidFile) throws Exception {
    Path p = Path.of(pidFile);
    if (Files.exists(p)) {
      return 42;
    }
    Files.writeString(p, Long.toString(ProcessHandle.current().pid()));
    Thread.sleep(120_000);
    return -1;
  }

  public static String context() {
    var c = JRay.runtimeContext();
    return c.jobId() + "/" + c.nodeId() + "/" + c.workerId() + "/" + c.taskId();
  }

  public static int needsAccel() {
    return 1;
  }

  public static List<Integer> sumOfRefs(List<ObjectRef<Integer>> refs) {
    return JRay.get(refs);
  }

  /** Which node ran this task, after a pause that keeps its CPU busy. */
  public static String nodeAfter(long sleepMs) throws InterruptedException {
    Thread.sleep(sleepMs);
    return JRay.runtimeContext().nodeId().hex();
  }

  /** Which node ran this task and when it started (epoch ms), then a pause that keeps its CPU busy. */
  public static String nodeAndStart(long sleepMs) throws InterruptedException {
    long start = System.currentTimeMillis();
    Thread.sleep(sleepMs);
    return JRay.runtimeContext().nodeId().hex() + " " + start;
  }

  /** CRC32 of a byte array, to check large objects byte-exact. */
  public static long crc(byte[] b) {
    java.util.zip.CRC32 c = new java.util.zip.CRC32();
    c.update(b);
    return c.getValue();
  }

  public static long crcOfBuffer(java.nio.ByteBuffer b) {
    java.util.zip.CRC32 c = new java.util.zip.CRC32();
    c.update(b.duplicate());
    return c.getValue();
  }

  /** The same bytes for the same seed, in any JVM. */
  public static byte[] bytes(int size, long seed) {
    byte[] b = new byte[size];
    new java.util.Random(seed).nextBytes(b);
    return b;
  }

  /** {@code mib} MiB that differ by seed, cheap to make (the chaos test makes gigabytes of them). */
  public static byte[] block(int mib, long seed) {
    byte[] b = new byte[mib << 20];
    java.util.Arrays.fill(b, (byte) seed);
    for (int i = 0; i < b.length; i += 4096) {
      b[i] = (byte) (seed * 31 + i / 4096);
    }
    return b;
  }

  /** Combines two blocks' CRCs: the reduce step of the chaos test. */
  public static long crcPair(byte[] a, byte[] b) {
    return crc(a) * 31 + crc(b);
  }

  /** Returns the refs it was given, inside its own result. */
  public static List<ObjectRef<byte[]>> echoRefs(List<ObjectRef<byte[]>> refs) {
    return new java.util.ArrayList<>(refs);
  }

  /** Waits, then reads the first ref it was given inside a list. */
  public static long crcOfFirstLater(List<ObjectRef<byte[]>> refs, long sleepMs) throws InterruptedException {
    Thread.sleep(sleepMs);
    return crc(refs.get(0).get());
  }

  private static final List<ObjectRef<byte[]>> KEPT = new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * Reads the first ref (so a copy comes to this node) and keeps every ref in a static field
   * after the task ends, as a cache would: this worker is then a borrower. Returns its pid.
   */
  public static long keep(List<ObjectRef<byte[]>> refs) {
    crc(refs.get(0).get());
    KEPT.addAll(refs);
    return ProcessHandle.current().pid();
  }

  /** This worker's pid and the crc of the first kept object (-1 if it keeps none). */
  public static long[] crcOfKept() {
    return new long[] {ProcessHandle.current().pid(), KEPT.isEmpty() ? -1 : crc(KEPT.get(0).get())};
  }

  /** Lets go of the kept refs; returns this worker's pid and how many it dropped. */
  public static long[] dropKept() {
    int n = KEPT.size();
    KEPT.clear();
    System.gc();
    return new long[] {ProcessHandle.current().pid(), n};
  }

  /**
   * Passes the refs on to {@link #keep} on node {@code nodeHex} and waits for it; returns this
   * worker's pid and the keeper's.
   */
  public static long[] passOn(List<ObjectRef<byte[]>> refs, String nodeHex) {
    long keeper = JRay.task(TestTasks::keep, new java.util.ArrayList<>(refs))
        .setSchedulingStrategy(io.jray.api.SchedulingStrategy.nodeAffinity(io.jray.api.NodeId.fromHex(nodeHex), false))
        .remote().get();
    return new long[] {ProcessHandle.current().pid(), keeper};
  }

  /** Collects this worker's garbage (refs it dropped end their borrows); returns its pid and 0. */
  public static long[] collectGarbage() {
    System.gc();
    return new long[] {ProcessHandle.current().pid(), 0};
  }

  /**
   * Has a task make {@code size} bytes preferably on node {@code nodeHex} (elsewhere once it is
   * gone), waits until they exist, and returns the ref inside a list: this worker owns the object,
   * the caller borrows it.
   */
  public static List<ObjectRef<byte[]>> makeNearAndReturn(String nodeHex, int size, long seed) {
    ObjectRef<byte[]> made = JRay.task(TestTasks::bytes, size, seed)
        .setSchedulingStrategy(io.jray.api.SchedulingStrategy.nodeAffinity(io.jray.api.NodeId.fromHex(nodeHex), true))
        .remote();
    JRay.wait(List.of(made), 1, java.time.Duration.ofMinutes(2));
    return List.of(made);
  }

  /**
   * {@link #putAndHold} here, then waits for a nested {@link #putAndHold} (which gets a second
   * worker): two workers that own objects.
   */
  public static long putHoldAndNest(int size) {
    putAndHold(size);
    JRay.task(TestTasks::putAndHold, size).remote().get();
    return ProcessHandle.current().pid();
  }

  /** What {@link #putAndHold} hands back: refs this worker owns, and its pid. */
  public record Held(List<ObjectRef<byte[]>> refs, long pid) {}

  private static final List<ObjectRef<byte[]>> HELD = new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * Puts a small and a large object from this worker, which owns them, and keeps refs here so
   * they stay alive (borrowers are not counted yet), returning refs to the caller.
   */
  public static Held putAndHold(int largeSize) {
    ObjectRef<byte[]> small = JRay.put(new byte[] {1, 2, 3});
    ObjectRef<byte[]> large = JRay.put(bytes(largeSize, 5));
    HELD.add(small);
    HELD.add(large);
    return new Held(List.of(small, large), ProcessHandle.current().pid());
  }

  /**
   * Has a task on node {@code nodeHex} make {@code size} bytes and keeps the ref: this worker owns
   * the result, which is stored on that node. Returns once it is there.
   */
  public static Held holdReturnOf(int size, String nodeHex) {
    ObjectRef<byte[]> made = JRay.task(TestTasks::bytes, size, 3L).setSchedulingStrategy(
        io.jray.api.SchedulingStrategy.nodeAffinity(io.jray.api.NodeId.fromHex(nodeHex), false)).remote();
    JRay.wait(List.of(made));
    HELD.add(made);
    return new Held(List.of(made), ProcessHandle.current().pid());
  }

  /** Each byte plus one: a step of a chain whose results can be checked. */
  public static byte[] plusOne(byte[] b) {
    byte[] out = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      out[i] = (byte) (b[i] + 1);
    }
    return out;
  }

  /** Waits, then checks its (stored) argument: the argument must outlive the caller's ref. */
  public static long crcLater(byte[] b, long sleepMs) throws InterruptedException {
    Thread.sleep(sleepMs);
    return crc(b);
  }

  public static int length(byte[] b) {
    return b.length;
  }

  /**
   * Blocks until {@code releaseFile} exists or {@code maxMs} have passed; returns how long it
   * blocked. A task "blocked for a minute" that the test releases when it is done with it, so its
   * CPU is free again for the next test.
   */
  public static long blockUntil(String releaseFile, long maxMs) throws InterruptedException {
    long start = System.nanoTime();
    Path release = Path.of(releaseFile);
    while (!Files.exists(release) && System.nanoTime() - start < maxMs * 1_000_000L) {
      Thread.sleep(20);
    }
    return (System.nanoTime() - start) / 1_000_000L;
  }

  /** Ends this worker's process at once, as a crash would (no shutdown hooks, no reply). */
  /**
   * First attempt: records its pid, then puts 2 MiB objects (into its node's store) for {@code ms}
   * without pause; any attempt returns the node it ran on. A store that goes away mid-task is hit
   * within milliseconds, long before the worker's once-a-second check of its raylet.
   */
  public static String putsFor(String pidFile, long ms) throws IOException {
    Path p = Path.of(pidFile);
    if (!Files.exists(p)) {
      Files.writeString(p, Long.toString(ProcessHandle.current().pid()));
      long end = System.nanoTime() + ms * 1_000_000;
      while (System.nanoTime() < end) {
        JRay.put(new byte[2 << 20]);
      }
    }
    return JRay.runtimeContext().nodeId().hex();
  }

  /** Map {@code i} of the all-at-once chaos job: after 20 ms, 0.5–2 MiB of longs that {@link #checksum} checks. */
  public static long[] mapLongs(int i) throws InterruptedException {
    Thread.sleep(20);
    return longsOf(i);
  }

  /** What map {@code i} returns (no pause: the tests' own expected values). */
  static long[] longsOf(int i) {
    int n = ((512 << 10) + (int) ((i * 7919L) % (1536 << 10))) / 8;
    long[] out = new long[n];
    for (int k = 0; k < n; k++) {
      out[k] = i * 1_000_003L + k;
    }
    return out;
  }

  /** A map output's checksum, which says which map it was and that every element is right. */
  public static long checksum(long[] a) {
    long h = a.length;
    for (int k = 0; k < a.length; k++) {
      h = h * 31 + a[k];
    }
    return h;
  }

  /** Reduce of five map outputs. */
  public static long reduce5(long[] a, long[] b, long[] c, long[] d, long[] e) {
    return checksum(a) + 3 * checksum(b) + 5 * checksum(c) + 7 * checksum(d) + 11 * checksum(e);
  }

  public static int halt() {
    Runtime.getRuntime().halt(3);
    return -1;
  }

  /** Puts {@code value} here and returns the ref in a list: this worker owns it, the caller borrows it. */
  public static List<ObjectRef<String>> putHere(String value) {
    return List.of(JRay.put(value));
  }

  /**
   * Submits {@link #sleepMillis} and returns its ref at once, in a list: this worker owns the
   * pending result, and the caller borrows it before it is ready.
   */
  public static List<ObjectRef<Long>> submitSleep(long ms) {
    return List.of(JRay.task(TestTasks::sleepMillis, ms).remote());
  }

  /** Waits for the first ref (which this worker borrows) through {@code toCompletableFuture}, and adds one. */
  public static int incrementThroughFuture(List<ObjectRef<Integer>> refs) throws Exception {
    return refs.get(0).toCompletableFuture().thenApply(v -> v + 1).get(60, java.util.concurrent.TimeUnit.SECONDS);
  }

  /** A user record with a list and an array: Fory serializes it without Serializable. */
  public record Person(String name, int age, List<String> likes, double[] scores) {}
}
