package io.jray.gcs;

import io.jray.common.proto.ProtoIds;
import com.google.protobuf.ByteString;
import io.jray.api.JobId;
import io.jray.proto.JobInfo;
import io.jray.proto.PubMessage;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job table: one entry per driver that connected, in column family {@code jobs} keyed by job
 * id. Ids count up from a counter stored under {@code __job_counter} in {@code kv}, so they are
 * never reused, not even after a GCS restart.
 *
 * <p>Threads: state of {@code gcs-loop}, which also runs its RocksDB writes.
 */
final class JobTable {
  private static final Logger LOG = LoggerFactory.getLogger(JobTable.class);
  private static final String COUNTER = "job_counter";
  private final GcsStorage storage;
  private final Publisher publisher;
  private final CachedTable<ByteString, JobInfo> jobs;
  private final PersistentTable<String, Integer> counters;
  private int lastJob;

  JobTable(GcsStorage storage, Publisher publisher) {
    this.storage = storage;
    this.publisher = publisher;
    this.counters = new PersistentTable<>(storage, GcsStorage.Table.KV, "__", Codec.UTF8, Codec.INT);
    Integer c = counters.get(COUNTER);
    lastJob = c == null ? 0 : c;
    this.jobs = new CachedTable<>(new PersistentTable<>(storage, GcsStorage.Table.JOBS, "", Codec.BYTES,
        Codec.proto(JobInfo.parser())));
    LOG.info("job table loaded: {} jobs, last id {}", jobs.size(), lastJob);
  }

  JobInfo add(JobInfo job) {
    int next = lastJob + 1;
    JobId id = JobId.fromInt(next);
    JobInfo j = job.toBuilder().setJobId(ProtoIds.bytes(id)).setState(JobInfo.State.RUNNING)
        .setStartTimeMs(System.currentTimeMillis()).build();
    // one batch: a crash leaves both the counter and the job, or neither (never a job the counter is behind)
    storage.atomically(() -> {
      counters.put(COUNTER, next);
      jobs.put(j.getJobId(), j);
    });
    lastJob = next;
    publisher.publish(PubMessage.newBuilder().setJob(j).build());
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
    LOG.info("job {} finished: {}", ProtoIds.jobId(jobId), reason);
    return true;
  }

  JobInfo get(ByteString jobId) {
    return jobs.get(jobId);
  }

  List<JobInfo> all() {
    return jobs.all();
  }

  private void save(JobInfo j) {
    jobs.put(j.getJobId(), j);
    publisher.publish(PubMessage.newBuilder().setJob(j).build());
  }
}
