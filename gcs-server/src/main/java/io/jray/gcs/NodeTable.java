package io.jray.gcs;

import com.google.protobuf.ByteString;
import io.jray.proto.NodeInfo;
import io.jray.proto.PubMessage;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node table: every raylet that registered, alive or dead, in column family {@code nodes}
 * keyed by node id. Each change is stored before it is published.
 *
 * <p>Threads: state of {@code gcs-loop}, which also runs its RocksDB writes.
 */
final class NodeTable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeTable.class);
  private final Publisher publisher;
  private final CachedTable<ByteString, NodeInfo> nodes;
  private final java.util.function.BiConsumer<ByteString, String> onDeath;

  NodeTable(GcsStorage storage, Publisher publisher, java.util.function.BiConsumer<ByteString, String> onDeath) {
    this.onDeath = onDeath;
    this.publisher = publisher;
    this.nodes = new CachedTable<>(new PersistentTable<>(storage, GcsStorage.Table.NODES, "", Codec.BYTES,
        Codec.proto(NodeInfo.parser())));
    LOG.info("node table loaded: {} nodes", nodes.size());
  }

  void register(NodeInfo node) {
    NodeInfo old = nodes.get(node.getNodeId());
    // a retried registration (its reply was lost to a GCS restart) is the same node, not a new start
    long start = old != null && old.getState() == NodeInfo.State.ALIVE ? old.getStartTimeMs() : System.currentTimeMillis();
    NodeInfo n = node.toBuilder().setState(NodeInfo.State.ALIVE).setStartTimeMs(start).build();
    if (n.equals(old)) {
      return;
    }
    save(n);
    LOG.info("node {} registered: {}:{} resources {}", hex(n.getNodeId()), n.getHost(), n.getRayletPort(),
        n.getTotalResourcesMap());
  }

  /** Marks a node DEAD once; later calls for the same node change nothing. */
  boolean markDead(ByteString nodeId, String reason) {
    NodeInfo n = nodes.get(nodeId);
    if (n == null || n.getState() == NodeInfo.State.DEAD) {
      return false;
    }
    save(n.toBuilder().setState(NodeInfo.State.DEAD).setDeathTimeMs(System.currentTimeMillis())
        .setDeathReason(reason).build());
    // after the DEAD entry is stored, so what reacts (actor restarts) sees the node as dead
    onDeath.accept(nodeId, reason);
    LOG.warn("node {} marked DEAD: {}", hex(nodeId), reason);
    return true;
  }

  NodeInfo get(ByteString nodeId) {
    return nodes.get(nodeId);
  }

  List<NodeInfo> all() {
    return nodes.all();
  }

  List<NodeInfo> alive() {
    return nodes.values().stream().filter(n -> n.getState() == NodeInfo.State.ALIVE).toList();
  }

  private void save(NodeInfo n) {
    nodes.put(n.getNodeId(), n);
    publisher.publish(PubMessage.newBuilder().setNode(n).build());
  }

  static String hex(ByteString id) {
    return HexFormat.of().formatHex(id.toByteArray());
  }
}
