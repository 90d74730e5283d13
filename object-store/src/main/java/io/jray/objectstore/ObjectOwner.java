package io.jray.objectstore;

import io.jray.common.proto.ProtoIds;
import com.google.protobuf.ByteString;
import io.jray.api.NodeId;
import io.jray.api.WorkerId;

/**
 * The core worker that owns a stored object, and its node: a copy outlives neither (Ray frees an
 * owner's objects when it dies). For a task's return this is the caller, not the worker that wrote it.
 */
public record ObjectOwner(WorkerId worker, NodeId node) {   // node null: not known
  /** From the wire; null when the request names no owner (never freed by an owner's death). */
  public static ObjectOwner of(ByteString worker, ByteString node) {
    if (worker.isEmpty()) {
      return null;
    }
    if (worker.size() != WorkerId.SIZE) {
      throw new IllegalArgumentException("owner_worker_id must be " + WorkerId.SIZE + " bytes, got " + worker.size());
    }
    if (!node.isEmpty() && node.size() != NodeId.SIZE) {
      throw new IllegalArgumentException("owner_node_id must be empty or " + NodeId.SIZE + " bytes, got "
          + node.size());
    }
    return new ObjectOwner(ProtoIds.workerId(worker),
        node.isEmpty() ? null : ProtoIds.nodeId(node));
  }

  @Override
  public String toString() {
    return "worker " + worker + (node == null ? "" : " on node " + node);
  }
}
