package io.jray.runtime;

import io.jray.api.NodeId;
import io.jray.api.ObjectId;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.Address;
import io.jray.proto.StoredLocation;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The nodes to take a stored object's copy from, in order: the one its location names, then, once
 * that failed, every other node its owner knows to hold one (asked once). Never {@code exclude}
 * (the reader's own node). One per read, on the reading thread.
 */
final class CopySources {
  private final ObjectId id;
  private final Address owner;
  private final ObjectDirectory directory;
  private final NodeId exclude;
  private final ArrayDeque<NodeId> candidates = new ArrayDeque<>();
  private final Map<NodeId, String> failed = new LinkedHashMap<>();
  private boolean askedOwner;

  CopySources(ObjectId id, StoredLocation where, Address owner, ObjectDirectory directory, NodeId exclude) {
    this.id = id;
    this.owner = owner;
    this.directory = directory;
    this.exclude = exclude;
    NodeId first = ProtoIds.nodeId(where.getNodeId());
    if (!first.equals(exclude)) {
      candidates.add(first);
    }
  }

  /** The next node to try; null once every copy failed. Asking the owner blocks. */
  NodeId next() {
    if (candidates.isEmpty() && !askedOwner) {
      askedOwner = true;
      for (NodeId n : directory.locationsFromOwner(id, owner)) {
        if (!failed.containsKey(n) && !n.equals(exclude)) {
          candidates.add(n);
        }
      }
    }
    return candidates.poll();
  }

  void failed(NodeId from, String why) {
    failed.put(from, why);
  }

  /** The nodes tried so far and why each failed. */
  Map<NodeId, String> failures() {
    return failed;
  }
}
