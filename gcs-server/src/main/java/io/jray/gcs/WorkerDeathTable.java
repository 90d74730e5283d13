package io.jray.gcs;

import com.google.protobuf.ByteString;
import io.jray.proto.WorkerDeath;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deaths of workers and drivers that raylets reported, in column family {@code worker_deaths}
 * keyed by a sequence number, so key order is report order. Bounded: it keeps the most recent
 * {@code max} and drops the oldest, because a long-lived cluster sees deaths without end and
 * their use (which owner died, for a borrower or an operator) fades with age.
 *
 * <p>Threads: state of {@code gcs-loop}, which also runs its RocksDB writes.
 */
final class WorkerDeathTable {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerDeathTable.class);
  private final GcsStorage storage;
  private final CachedTable<Long, WorkerDeath> deaths;
  private final int max;
  private long lastSeq;

  WorkerDeathTable(GcsStorage storage, int max) {
    if (max < 1) {
      throw new IllegalArgumentException("gcs.worker-deaths.max must be >= 1, got " + max);
    }
    this.max = max;
    this.storage = storage;
    this.deaths = new CachedTable<>(new PersistentTable<>(storage, GcsStorage.Table.WORKER_DEATHS, "",
        Codec.SEQUENCE, Codec.proto(WorkerDeath.parser())));
    Map.Entry<Long, WorkerDeath> last = deaths.last();
    lastSeq = last == null ? 0 : last.getKey();
    trim(); // the bound may have been lowered since the last run
    LOG.info("worker death table loaded: {} deaths (keeps at most {})", deaths.size(), max);
  }

  /** Stores a death (in RocksDB on return), then drops the oldest beyond the bound. */
  void add(WorkerDeath d) {
    long seq = lastSeq + 1;
    // one batch: the new death and the drop of the oldest are stored together or not at all
    storage.atomically(() -> {
      deaths.put(seq, d);
      trim();
    });
    lastSeq = seq;
  }

  /** The deaths stored at or after {@code sinceMs} (GCS time), oldest first. */
  List<WorkerDeath> since(long sinceMs) {
    List<WorkerDeath> out = new ArrayList<>();
    for (WorkerDeath d : deaths.values()) {
      if (d.getTimeMs() >= sinceMs) {
        out.add(d);
      }
    }
    return out;
  }

  private void trim() {
    while (deaths.size() > max) {
      deaths.removeFirst();
    }
  }

  /**
   * The most recent {@code limit} deaths of that job and node (an empty id matches any), oldest
   * first.
   */
  List<WorkerDeath> recent(ByteString jobId, ByteString nodeId, int limit) {
    List<WorkerDeath> out = new ArrayList<>();
    for (Iterator<WorkerDeath> it = deaths.values().reversed().iterator(); it.hasNext() && out.size() < limit; ) {
      WorkerDeath d = it.next();
      if ((jobId.isEmpty() || jobId.equals(d.getJobId())) && (nodeId.isEmpty() || nodeId.equals(d.getNodeId()))) {
        out.add(d);
      }
    }
    Collections.reverse(out);
    return out;
  }

  int size() {
    return deaths.size();
  }
}
