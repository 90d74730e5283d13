package io.jray.it;

import io.jray.api.JRay;
import io.jray.api.NodeId;
import io.jray.api.ObjectRef;
import io.jray.api.Remote;
import io.jray.api.SchedulingStrategy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;

/**
 * The driver {@link DockerClusterIT} runs in the head container through {@code jray submit}; it
 * prints result lines the test reads. Modes:
 * <ul>
 *   <li>{@code spread-and-object N NODES NODE_ID}: rounds of N tasks with SPREAD until they ran
 *   on NODES nodes (at most five), printing {@code NODES}, the node ids that ran them and the
 *   rounds; then a 256 MiB object put here is hashed by a task pinned to node
 *   NODE_ID (a worker container), printing {@code OBJECT} with both hashes and that task's node.</li>
 *   <li>{@code survive-kill N PROGRESS}: N one-second tasks with SPREAD, writing the number done
 *   so far to PROGRESS (the test kills a worker container meanwhile), printing {@code SURVIVED}
 *   with the count of correct results.</li>
 * </ul>
 * Only JRay's API: its class directory is shipped to the workers as job code.
 */
public final class ContainerDriverProgram {
  static final int OBJECT_BYTES = 256 << 20;

  private ContainerDriverProgram() {}

  /** Takes a little while, so that the owner's backlog asks for leases beyond the first worker's. */
  @Remote
  public static String whereAmI(int i) throws InterruptedException {
    Thread.sleep(100);
    return JRay.runtimeContext().nodeId().hex();
  }

  @Remote
  public static String sha256(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)) + " "
        + JRay.runtimeContext().nodeId().hex();
  }

  @Remote
  public static long slowSquare(long i) throws InterruptedException {
    Thread.sleep(1000);
    return i * i;
  }

  public static void main(String[] args) throws Exception {
    JRay.init();
    try {
      switch (args[0]) {
        case "spread-and-object" -> spreadAndObject(Integer.parseInt(args[1]), Integer.parseInt(args[2]), args[3]);
        case "survive-kill" -> surviveKill(Integer.parseInt(args[1]), Path.of(args[2]));
        default -> throw new IllegalArgumentException("unknown mode " + args[0]);
      }
    } finally {
      JRay.shutdown();
    }
  }

  private static void spreadAndObject(int tasks, int nodes, String workerNodeId) throws Exception {
    // SPREAD places each lease on the next node, but a leased worker takes tasks for as long as
    // the owner has a backlog: a round may not reach every node, so up to five rounds
    TreeSet<String> seen = new TreeSet<>();
    int rounds = 0;
    while (seen.size() < nodes && rounds < 5) {
      rounds++;
      List<ObjectRef<String>> refs = new ArrayList<>();
      for (int i = 0; i < tasks; i++) {
        refs.add(JRay.task(ContainerDriverProgram::whereAmI, i).setSchedulingStrategy(SchedulingStrategy.SPREAD)
            .remote());
      }
      seen.addAll(JRay.get(refs));
    }
    System.out.println("NODES " + seen.size() + " " + String.join(",", seen) + " " + rounds);

    byte[] data = new byte[OBJECT_BYTES];
    // not a repeating pattern: a chunk delivered to the wrong offset changes the hash
    new java.util.Random(42).nextBytes(data);
    String local = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    ObjectRef<byte[]> big = JRay.put(data);
    data = null;
    NodeId worker = NodeId.fromHex(workerNodeId);
    String remote = JRay.task(ContainerDriverProgram::sha256, big)
        .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(worker, false)).remote().get();
    System.out.println("OBJECT " + local + " " + remote);
  }

  private static void surviveKill(int tasks, Path progress) throws Exception {
    List<ObjectRef<Long>> refs = new ArrayList<>();
    for (long i = 0; i < tasks; i++) {
      refs.add(JRay.task(ContainerDriverProgram::slowSquare, i).setSchedulingStrategy(SchedulingStrategy.SPREAD)
          .remote());
    }
    int correct = 0;
    for (int i = 0; i < tasks; i++) {
      if (refs.get(i).get() == (long) i * i) {
        correct++;
      }
      Files.writeString(progress, Integer.toString(i + 1));
    }
    System.out.println("SURVIVED " + correct + " of " + tasks);
  }
}
