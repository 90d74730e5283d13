package io.jray.gcs;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.jray.proto.NodeInfo;
import io.jray.proto.PubMessage;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The node table: every raylet that registered, alive or dead. State of the GCS loop. */
final class NodeTable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeTable.class);
  private final GcsStorage storage;
  private final Publisher publisher;
  private final Map<ByteString, NodeInfo> nodes = new LinkedHashMap<>();
  private final java.util.function.Consumer<ByteString> onDeath;

  NodeTable(GcsStorage storage, Publisher publisher, java.util.function.Consumer<ByteString> onDeath) {
    this.storage = storage;
    this.onDeath = onDeath;
    this.publisher = publisher;
    storage.scan(GcsStorage.Table.NODES).forEach((k, v) -> {
      try {
        NodeInfo n = NodeInfo.parseFrom(v);
        nodes.put(n.getNodeId(), n);
      } catch (InvalidProtocolBufferException e) {
        LOG.error("skipping unreadable node record {}", HexFormat.of().formatHex(k));
      }
    });
    LOG.info("node table loaded: {} nodes", nodes.size());
  }

  void register(NodeInfo node) {
    NodeInfo n = node.toBuilder().setState(NodeInfo.State.ALIVE).setStartTimeMs(System.currentTimeMillis()).build();
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
    onDeath.accept(nodeId);
    save(n.toBuilder().setState(NodeInfo.State.DEAD).setDeathTimeMs(System.currentTimeMillis())
        .setDeathReason(reason).build());
    LOG.warn("node {} marked DEAD: {}", hex(nodeId), reason);
    return true;
  }

  NodeInfo get(ByteString nodeId) {
    return nodes.get(nodeId);
  }

  List<NodeInfo> all() {
    return new ArrayList<>(nodes.values());
  }

  List<NodeInfo> alive() {
    return nodes.values().stream().filter(n -> n.getState() == NodeInfo.State.ALIVE).toList();
  }

  private void save(NodeInfo n) {
    storage.put(GcsStorage.Table.NODES, n.getNodeId().toByteArray(), n.toByteArray());
    nodes.put(n.getNodeId(), n);
    publisher.publish(PubMessage.newBuilder().setNode(n).build());
  }

  static String hex(ByteString id) {
    return HexFormat.of().formatHex(id.toByteArray());
  }
}
