package io.jray.gcs;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.jray.proto.JobInfo;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real RocksDB: tables are separate column families and survive a reopen (a GCS restart), and the
 * typed tables keep the byte layout storage directories written before them have.
 */
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
      int[] n = {0};
      s.scan(GcsStorage.Table.NODES, new byte[0], (k, v) -> n[0]++);
      assertThat(n[0]).isEqualTo(1);
    }
  }

  @Test
  void jobIdsKeepCountingAfterRestart(@TempDir Path dir) {
    try (GcsStorage s = new GcsStorage(dir)) {
      JobTable jobs = new JobTable(s, new Publisher());
      assertThat(jobs.add(JobInfo.newBuilder().setDriverPid(1).build()).getJobId().byteAt(3)).isEqualTo((byte) 1);
      jobs.add(JobInfo.newBuilder().setDriverPid(2).build());
    }
    try (GcsStorage s = new GcsStorage(dir)) {
      JobTable jobs = new JobTable(s, new Publisher());
      assertThat(jobs.all()).hasSize(2);
      assertThat(jobs.add(JobInfo.newBuilder().setDriverPid(3).build()).getJobId().byteAt(3)).isEqualTo((byte) 3);
    }
  }

  /** The keys and values the hand-written tables stored, written raw, read by the typed ones. */
  @Test
  void readsTheLayoutEarlierVersionsWrote(@TempDir Path dir) {
    ByteString jobId = ByteString.copyFrom(new byte[] {0, 0, 0, 7});
    try (GcsStorage s = new GcsStorage(dir)) {
      s.put(GcsStorage.Table.KV, b("__job_counter"), ByteBuffer.allocate(4).putInt(7).array());
      s.put(GcsStorage.Table.JOBS, jobId.toByteArray(), JobInfo.newBuilder().setJobId(jobId).setDriverPid(9).build()
          .toByteArray());
      s.put(GcsStorage.Table.KV, b("u:answer"), b("42"));
    }
    try (GcsStorage s = new GcsStorage(dir)) {
      JobTable jobs = new JobTable(s, new Publisher());
      assertThat(jobs.get(jobId).getDriverPid()).isEqualTo(9);
      assertThat(jobs.add(JobInfo.newBuilder().setDriverPid(3).build()).getJobId().byteAt(3)).isEqualTo((byte) 8);
      InternalKv kv = new InternalKv(s);
      assertThat(kv.get("answer").toStringUtf8()).isEqualTo("42");
      assertThat(kv.put("answer", ByteString.copyFromUtf8("43"), false)).isFalse();
      assertThat(kv.get("job_counter")).as("GCS's own keys are not users'").isNull();
    }
  }
}
