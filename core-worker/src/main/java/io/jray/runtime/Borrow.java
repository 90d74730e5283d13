package io.jray.runtime;

import io.jray.common.proto.ProtoIds;
import io.jray.api.NodeId;
import io.jray.api.WorkerId;
import io.jray.proto.BorrowToken;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One registration of a process as a borrower of an object, as the owner records it. The id
 * names the registration, so a report repeated or delivered late changes nothing twice.
 */
record Borrow(WorkerId worker, NodeId node, long id) {
  /** A fresh registration for {@code worker} on {@code node}. */
  static Borrow of(WorkerId worker, NodeId node) {
    return new Borrow(worker, node, ThreadLocalRandom.current().nextLong());
  }

  static Borrow fromProto(BorrowToken t) {
    return new Borrow(ProtoIds.workerId(t.getWorkerId()), ProtoIds.nodeId(t.getNodeId()),
        t.getId());
  }

  /** Null unless the token names a worker and a node of the right sizes. */
  static Borrow fromProtoOrNull(BorrowToken t) {
    return t.getWorkerId().size() == WorkerId.SIZE && t.getNodeId().size() == NodeId.SIZE ? fromProto(t) : null;
  }

  BorrowToken toProto() {
    return BorrowToken.newBuilder().setWorkerId(ProtoIds.bytes(worker))
        .setNodeId(ProtoIds.bytes(node)).setId(id).build();
  }
}
