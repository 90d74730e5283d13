package io.jray.gcs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real RocksDB: tables are separate column families and survive a reopen (a GCS restart). */
class GcsStorageTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void tablesAreSeparateAndSurviveReopen(@TempDir Path dir) {
    try (GcsStorage s = new GcsStorage(dir)) {
      s.put(GcsStorage.Table.NODES, b("k"), b("node"));
      s.put(GcsStorage.Table.JOBS, b("k"), b("job"));
      s.put(GcsStorage.Table.KV, b("x"), b("1"));
      s.delete(GcsStorage.Table.KV, b("x"));
    }
    try (GcsStorage s = new GcsStorage(dir)) {
      assertThat(s.get(GcsStorage.Table.NODES, b("k"))).isEqualTo(b("node"));
      assertThat(s.get(GcsStorage.Table.JOBS, b("k"))).isEqualTo(b("job"));
      assertThat(s.get(GcsStorage.Table.KV, b("x"))).isNull();
      assertThat(s.scan(GcsStorage.Table.NODES)).hasSize(1);
    }
  }

  @Test
  void jobIdsKeepCountingAfterRestart(@TempDir Path dir) {
    try (GcsStorage s = new GcsStorage(dir)) {
      JobTable jobs = new JobTable(s, new Publisher());
      assertThat(jobs.add(io.jray.proto.JobInfo.newBuilder().setDriverPid(1).build()).getJobId().byteAt(3))
          .isEqualTo((byte) 1);
      jobs.add(io.jray.proto.JobInfo.newBuilder().setDriverPid(2).build());
    }
    try (GcsStorage s = new GcsStorage(dir)) {
      JobTable jobs = new JobTable(s, new Publisher());
      assertThat(jobs.all()).hasSize(2);
      assertThat(jobs.add(io.jray.proto.JobInfo.newBuilder().setDriverPid(3).build()).getJobId().byteAt(3))
          .isEqualTo((byte) 3);
    }
  }
}
