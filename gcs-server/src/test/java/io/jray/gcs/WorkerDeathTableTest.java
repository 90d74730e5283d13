package io.jray.gcs;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.jray.proto.WorkerDeath;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stored deaths over real RocksDB: bounded to the most recent, filtered, kept across a restart. */
class WorkerDeathTableTest {
  private static final ByteString JOB_1 = ByteString.copyFrom(new byte[] {0, 0, 0, 1});
  private static final ByteString JOB_2 = ByteString.copyFrom(new byte[] {0, 0, 0, 2});

  private static WorkerDeath death(int i, ByteString job) {
    return WorkerDeath.newBuilder().setReason("death " + i).setJobId(job).build();
  }

  @Test
  void keepsTheMostRecentAndDropsTheOldest(@TempDir Path dir) {
    try (GcsStorage s = new GcsStorage(dir)) {
      WorkerDeathTable t = new WorkerDeathTable(s, 3);
      for (int i = 1; i <= 5; i++) {
        t.add(death(i, i % 2 == 0 ? JOB_2 : JOB_1));
      }
      assertThat(t.size()).isEqualTo(3);
      assertThat(t.recent(ByteString.EMPTY, ByteString.EMPTY, 10)).extracting(WorkerDeath::getReason)
          .containsExactly("death 3", "death 4", "death 5");
      assertThat(t.recent(JOB_1, ByteString.EMPTY, 10)).extracting(WorkerDeath::getReason)
          .containsExactly("death 3", "death 5");
      assertThat(t.recent(ByteString.EMPTY, ByteString.EMPTY, 2)).as("the most recent, oldest first")
          .extracting(WorkerDeath::getReason).containsExactly("death 4", "death 5");
    }
    try (GcsStorage s = new GcsStorage(dir)) {
      WorkerDeathTable t = new WorkerDeathTable(s, 3);
      t.add(death(6, JOB_1));
      assertThat(t.recent(ByteString.EMPTY, ByteString.EMPTY, 10)).as("after a restart, in order, still bounded")
          .extracting(WorkerDeath::getReason).containsExactly("death 4", "death 5", "death 6");
    }
    try (GcsStorage s = new GcsStorage(dir)) {
      WorkerDeathTable t = new WorkerDeathTable(s, 2);
      assertThat(t.recent(ByteString.EMPTY, ByteString.EMPTY, 10)).as("a lowered bound trims at start")
          .extracting(WorkerDeath::getReason).containsExactly("death 5", "death 6");
    }
    try (GcsStorage s = new GcsStorage(dir)) {
      assertThat(new WorkerDeathTable(s, 10).size()).as("trimmed in RocksDB too").isEqualTo(2);
    }
  }
}
