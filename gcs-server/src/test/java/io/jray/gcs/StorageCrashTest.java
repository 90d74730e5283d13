package io.jray.gcs;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.jray.api.JobId;
import io.jray.common.process.JvmLauncher;
import io.jray.proto.GetPackageChunkReply;
import io.jray.proto.JobInfo;
import io.jray.proto.WorkerDeath;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A GCS process killed between two writes of one change leaves a consistent state: the
 * {@link StorageCrashProgram} is run in a child JVM that halts (as {@code kill -9} would) right
 * after its 1st, 2nd, ... storage write, until a run completes; after each, the storage is opened
 * again as a restarted GCS would, and what it shows must be a prefix of the changes, each whole:
 * a job never without the counter that issued its id, a package either entirely readable with its
 * hash or not there, the death table within its bound, nothing of a later change without every
 * earlier one.
 */
class StorageCrashTest {
  @Test
  void aKillBetweenAnyTwoWritesLeavesAWholePrefixOfTheChanges(@TempDir Path tmp) throws Exception {
    List<Integer> seen = new ArrayList<>();
    for (int crashAfter = 1; ; crashAfter++) {
      Path dir = tmp.resolve("run-" + crashAfter);
      int code = runChild(dir, crashAfter);
      assertThat(code).as("child exit code with a crash after write %d", crashAfter).isIn(0, CrashPoint.EXIT_CODE);
      seen.add(checkConsistent(dir, crashAfter));
      if (code == 0) {
        break;
      }
      assertThat(crashAfter).as("the program makes a bounded number of writes").isLessThan(50);
    }
    // every write point was hit: progress never goes back, and the last run saw everything
    assertThat(seen).isSorted();
    assertThat(seen.getLast()).isEqualTo(8);
    assertThat(seen.size()).as("writes, counted by the runs that crashed").isGreaterThanOrEqualTo(9);
  }

  /** The number of whole changes the storage shows (see {@link StorageCrashProgram}), checking each. */
  private static int checkConsistent(Path dir, int crashAfter) {
    try (GcsStorage s = new GcsStorage(dir)) {
      Publisher publisher = new Publisher();
      boolean node = new NodeTable(s, publisher, (id, why) -> { }).get(StorageCrashProgram.NODE) != null;
      PersistentTable<String, Integer> counters = new PersistentTable<>(s, GcsStorage.Table.KV, "__", Codec.UTF8,
          Codec.INT);
      Integer counter = counters.get("job_counter");
      List<JobInfo> jobs = new JobTable(s, publisher).all();
      assertThat(jobs.size()).as("jobs vs counter after write %d", crashAfter).isEqualTo(counter == null ? 0 : counter);
      for (JobInfo j : jobs) {
        assertThat(JobId.fromBytes(j.getJobId().toByteArray()).toInt()).isLessThanOrEqualTo(counter);
      }
      boolean kv = new InternalKv(s).get("a") != null;
      PackageStore packages = new PackageStore(s, 1 << 30);
      boolean pkg = packages.has(StorageCrashProgram.PACKAGE_SHA);
      if (pkg) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        GetPackageChunkReply first = packages.chunk(StorageCrashProgram.PACKAGE_SHA, 0);
        for (int i = 0; i < first.getChunks(); i++) {
          all.writeBytes(packages.chunk(StorageCrashProgram.PACKAGE_SHA, i).getData().toByteArray());
        }
        assertThat(StorageCrashProgram.sha256(all.toByteArray())).as("a visible package is whole")
            .isEqualTo(StorageCrashProgram.PACKAGE_SHA);
      }
      WorkerDeathTable deathTable = new WorkerDeathTable(s, StorageCrashProgram.MAX_DEATHS);
      List<WorkerDeath> deaths = deathTable.recent(ByteString.EMPTY, ByteString.EMPTY, 10);
      assertThat(deaths.size()).isLessThanOrEqualTo(StorageCrashProgram.MAX_DEATHS);
      int lastDeath = deaths.isEmpty() ? 0 : Integer.parseInt(deaths.getLast().getReason().substring(6));
      boolean actor = new ActorTable(s).named("counter") != null;
      boolean[] changes = {node, counter != null && counter >= 1, kv, pkg, lastDeath >= 1, lastDeath >= 2,
          lastDeath >= 3, actor, counter != null && counter >= 2};
      int prefix = 0;
      while (prefix < changes.length && changes[prefix]) {
        prefix++;
      }
      for (int i = prefix; i < changes.length; i++) {
        assertThat(changes[i]).as("after write %d, change %d is stored but change %d is not", crashAfter, i, prefix)
            .isFalse();
      }
      return prefix - 1;
    }
  }

  private static int runChild(Path dir, int crashAfter) throws Exception {
    Files.createDirectories(dir);
    Path out = dir.resolveSibling(dir.getFileName() + ".out");
    List<String> cmd = new ArrayList<>(List.of(JvmLauncher.javaBinary()));
    cmd.addAll(JvmLauncher.BASE_FLAGS);
    cmd.addAll(List.of("-Djray.testing.gcs-crash-after-writes=" + crashAfter, "-cp",
        System.getProperty("java.class.path"), StorageCrashProgram.class.getName(), dir.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the crash program did not finish within 120 s; see " + out);
    }
    if (p.exitValue() != 0 && p.exitValue() != CrashPoint.EXIT_CODE) {
      throw new AssertionError("the crash program failed (" + p.exitValue() + "): " + Files.readString(out));
    }
    return p.exitValue();
  }
}
