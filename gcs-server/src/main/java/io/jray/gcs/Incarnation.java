package io.jray.gcs;

import com.google.protobuf.ByteString;
import io.jray.proto.GcsInfo;
import io.jray.proto.NodeInfo;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which start of this storage the running GCS is (its incarnation, counted in {@code kv} under
 * {@code __gcs_info}), and the restart protocol's state (DESIGN §7): the nodes that were ALIVE in
 * the table when this incarnation started are given {@code gcs.restart-grace-ms} to resync
 * ({@code ResyncNode}) before the health checker may declare any node DEAD. The grace ends early
 * once every one of them has resynced.
 *
 * <p>Threads: state of {@code gcs-loop}.
 */
final class Incarnation {
  private static final Logger LOG = LoggerFactory.getLogger(Incarnation.class);
  private static final String KEY = "gcs_info";
  private final LongSupplier clock;
  private final GcsInfo started;
  private final Set<ByteString> awaited = new HashSet<>();
  private final Set<ByteString> resynced = new HashSet<>();
  private final long graceUntilMs;

  Incarnation(GcsStorage storage, NodeTable nodes, long graceMs, LongSupplier clock) {
    this.clock = clock;
    PersistentTable<String, GcsInfo> table = new PersistentTable<>(storage, GcsStorage.Table.KV, "__", Codec.UTF8,
        Codec.proto(GcsInfo.parser()));
    GcsInfo before = table.get(KEY);
    long now = clock.getAsLong();
    started = GcsInfo.newBuilder().setIncarnation(before == null ? 1 : before.getIncarnation() + 1)
        .setStartTimeMs(now).setFirstStartTimeMs(before == null ? now : before.getFirstStartTimeMs())
        .setPreviousStartTimeMs(before == null ? 0 : before.getStartTimeMs())
        .setStorageDir(storage.dir().toString()).setStorageSync(storage.sync().name()).build();
    table.put(KEY, started);
    if (before != null) {
      nodes.alive().forEach(n -> awaited.add(n.getNodeId()));
    }
    graceUntilMs = awaited.isEmpty() ? now : now + graceMs;
    if (before == null) {
      LOG.info("GCS incarnation 1 on new storage {} (sync {})", storage.dir(), storage.sync());
    } else {
      LOG.warn("GCS restarted: incarnation {} over storage {} (sync {}), previous start {}; {} node(s) that were"
          + " ALIVE have {} ms to resync before any health-check verdict", started.getIncarnation(), storage.dir(),
          storage.sync(), Instant.ofEpochMilli(before.getStartTimeMs()), awaited.size(), graceMs);
    }
  }

  long number() {
    return started.getIncarnation();
  }

  /** True while health checks must not declare a node DEAD: the grace runs and a node has not resynced. */
  boolean holdsVerdicts() {
    return resynced.size() < awaited.size() && clock.getAsLong() < graceUntilMs;
  }

  /** Whether {@code sinceStartMs} after the start has not passed yet (replays for late subscribers). */
  boolean startedWithin(long ms) {
    return started.getIncarnation() > 1 && clock.getAsLong() < started.getStartTimeMs() + ms;
  }

  long startTimeMs() {
    return started.getStartTimeMs();
  }

  /** A node's raylet resynced with this incarnation. */
  void resynced(NodeInfo node) {
    if (awaited.contains(node.getNodeId()) && resynced.add(node.getNodeId())) {
      LOG.info("node {} resynced with GCS incarnation {} ({} of {})", NodeTable.hex(node.getNodeId()),
          number(), resynced.size(), awaited.size());
      if (resynced.size() == awaited.size()) {
        LOG.info("every node that was ALIVE resynced {} ms after the restart", clock.getAsLong()
            - started.getStartTimeMs());
      }
    }
  }

  GcsInfo info() {
    return started.toBuilder().setNodesAwaited(awaited.size()).setNodesResynced(resynced.size())
        .setInGrace(holdsVerdicts()).build();
  }
}
