package io.jray.raylet;

import io.jray.common.proto.ProtoIds;
import io.jray.api.JobId;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.gcs.GcsClient;
import io.jray.proto.JobInfo;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this raylet knows of jobs: filled from the GCS subscription, and fetched on demand when a
 * lease request arrives before the job's publication does. State of the raylet loop.
 */
final class JobDirectory {
  private static final Logger LOG = LoggerFactory.getLogger(JobDirectory.class);
  private final EventLoop loop;
  private final GcsClient gcs;
  private final Map<JobId, JobInfo> jobs = new HashMap<>();
  private final Map<JobId, Boolean> fetching = new HashMap<>();

  JobDirectory(EventLoop loop, GcsClient gcs) {
    this.loop = loop;
    this.gcs = gcs;
  }

  JobInfo get(JobId id) {
    return jobs.get(id);
  }

  /** Records a job; true when it turned FINISHED with this update. */
  boolean update(JobInfo j) {
    JobId id = ProtoIds.jobId(j.getJobId());
    JobInfo old = jobs.put(id, j);
    return j.getState() == JobInfo.State.FINISHED && (old == null || old.getState() != JobInfo.State.FINISHED);
  }

  /**
   * Asks GCS for a job: {@code then} runs on the loop once it is known, {@code unknown} (with the
   * reason) when GCS answered that it has no such job. Nothing runs when GCS cannot be reached;
   * the next start asks again.
   */
  void fetch(JobId id, Runnable then, java.util.function.Consumer<String> unknown) {
    if (fetching.putIfAbsent(id, true) != null) {
      return;
    }
    Thread.ofVirtual().start(() -> {
      JobInfo j = null;
      boolean notInGcs = false;
      try {
        j = gcs.getJob(id).orElse(null);
        if (j == null) {
          notInGcs = true;
          LOG.warn("job {}: GCS does not know it", id);
        }
      } catch (RuntimeException e) {
        LOG.warn("job {}: cannot fetch it from GCS: {}", id, e.getMessage());
      }
      JobInfo got = j;
      boolean missing = notInGcs;
      loop.execute(() -> {
        fetching.remove(id);
        if (got != null) {
          jobs.putIfAbsent(id, got);
          then.run();
        } else if (missing && !jobs.containsKey(id)) {
          unknown.accept("GCS does not know job " + id + " (never added with AddJob)");
        }
      });
    });
  }
}
