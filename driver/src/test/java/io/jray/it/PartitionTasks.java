package io.jray.it;

import io.jray.api.ActorHandle;
import io.jray.api.ActorLifetime;
import io.jray.api.JRay;
import io.jray.api.Remote;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Tasks of the partition tests. Each run of a journaled task appends a line to a journal file (the
 * file system is shared by every namespace), so a test can count the attempts a task really had,
 * and on which node.
 */
@Remote
public final class PartitionTasks {
  private PartitionTasks() {}

  /** Appends "{@code what} {@code node}" to the journal: a side effect, as a user's task would have. */
  static void journal(String journal, String what) throws IOException {
    Files.writeString(Path.of(journal), what + " " + JRay.runtimeContext().nodeId().hex() + "\n",
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /** The lines of a journal, none if it does not exist yet. */
  static List<String> lines(Path journal) throws IOException {
    return Files.exists(journal) ? Files.readAllLines(journal) : List.of();
  }

  /** Records its run, works {@code ms}, returns {@code i * i}. */
  public static long square(String journal, int i, long ms) throws Exception {
    journal(journal, "square " + i);
    Thread.sleep(ms);
    return (long) i * i;
  }

  /**
   * Records its start; on node {@code slowNodeHex} it then works {@code slowMs} (long enough to be
   * cut off meanwhile), elsewhere not at all; records its end and returns the node it ran on.
   */
  public static String slowOn(String journal, String slowNodeHex, long slowMs) throws Exception {
    journal(journal, "start");
    if (JRay.runtimeContext().nodeId().hex().equals(slowNodeHex)) {
      Thread.sleep(slowMs);
    }
    journal(journal, "end");
    return JRay.runtimeContext().nodeId().hex();
  }

  /**
   * Creates a detached actor named {@code name} from this task, so that GCS places it on this
   * task's node (the creator's, which has room), restartable once, a call retried once; returns
   * the node it runs on.
   */
  public static String startActorHere(String name) {
    ActorHandle<Journaled> a = JRay.actor(Journaled::new).setName(name).setLifetime(ActorLifetime.DETACHED)
        .setMaxRestarts(1).setMaxTaskRetries(1).remote();
    return a.task(Journaled::node).remote().get();
  }

  /** An actor whose calls journal their runs like the tasks above. */
  @Remote
  public static class Journaled {
    public String node() {
      return JRay.runtimeContext().nodeId().hex();
    }

    /** {@link PartitionTasks#slowOn} as an actor call. */
    public String slowOn(String journal, String slowNodeHex, long slowMs) throws Exception {
      return PartitionTasks.slowOn(journal, slowNodeHex, slowMs);
    }
  }
}
