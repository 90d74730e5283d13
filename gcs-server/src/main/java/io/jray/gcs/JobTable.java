package io.jray.gcs;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.jray.api.JobId;
import io.jray.proto.JobInfo;
import io.jray.proto.PubMessage;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The job table: one entry per driver that connected. Ids count up and survive GCS restarts. */
final class JobTable {
  private static final Logger LOG = LoggerFactory.getLogger(JobTable.class);
  private static final byte[] COUNTER_KEY = "__job_counter".getBytes(java.nio.charset.StandardCharsets.UTF_8);
  private final GcsStorage storage;
  private final Publisher publisher;
  private final Map<ByteString, JobInfo> jobs = new LinkedHashMap<>();
  private int lastJob;

  JobTable(GcsStorage storage, Publisher publisher) {
    this.storage = storage;
    this.publisher = publisher;
    byte[] c = storage.get(GcsStorage.Table.KV, COUNTER_KEY);
    lastJob = c == null ? 0 : ByteBuffer.wrap(c).getInt();
    storage.scan(GcsStorage.Table.JOBS).forEach((k, v) -> {
      try {
        JobInfo j = JobInfo.parseFrom(v);
        jobs.put(j.getJobId(), j);
      } catch (InvalidProtocolBufferException e) {
        LOG.error("skipping unreadable job record");
      }
    });
    LOG.info("job table loaded: {} jobs, last id {}", jobs.size(), lastJob);
  }

  JobInfo add(JobInfo job) {
    lastJob++;
    storage.put(GcsStorage.Table.KV, COUNTER_KEY, ByteBuffer.allocate(4).putInt(lastJob).array());
    JobId id = JobId.fromInt(lastJob);
    JobInfo j = job.toBuilder().setJobId(ByteString.copyFrom(id.bytes())).setState(JobInfo.State.RUNNING)
        .setStartTimeMs(System.currentTimeMillis()).build();
    save(j);
    LOG.info("job {} started: driver pid {} on {}", id, j.getDriverPid(), j.getDriverHost());
    return j;
  }

  /** Finishes a running job; false if it was already finished. */
  boolean finish(ByteString jobId, String reason) {
    JobInfo j = jobs.get(jobId);
    if (j == null || j.getState() == JobInfo.State.FINISHED) {
      return false;
    }
    save(j.toBuilder().setState(JobInfo.State.FINISHED).setEndTimeMs(System.currentTimeMillis())
        .setEndReason(reason).build());
    LOG.info("job {} finished: {}", JobId.fromBytes(jobId.toByteArray()), reason);
    return true;
  }

  JobInfo get(ByteString jobId) {
    return jobs.get(jobId);
  }

  List<JobInfo> all() {
    return new ArrayList<>(jobs.values());
  }

  private void save(JobInfo j) {
    storage.put(GcsStorage.Table.JOBS, j.getJobId().toByteArray(), j.toByteArray());
    jobs.put(j.getJobId(), j);
    publisher.publish(PubMessage.newBuilder().setJob(j).build());
  }
}
