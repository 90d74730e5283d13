package io.jray.runtime;

import io.jray.common.grpc.ChannelPool;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.jray.api.NodeId;
import io.jray.api.ObjectId;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.AddObjectLocationReply;
import io.jray.proto.AddObjectLocationRequest;
import io.jray.proto.Address;
import io.jray.proto.CoreWorkerServiceGrpc;
import io.jray.proto.GetObjectLocationsRequest;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the copies of an object are (DESIGN §5: the owner is the directory). For an object owned
 * here the answer is the ownership table's primary node and pulled copies, less nodes GCS declared
 * dead; for one owned elsewhere the owner is asked, and told of each copy pulled here so that it
 * frees that copy too.
 *
 * <p>Threads: any. The dead-node set is a concurrent set written by the {@code gcs-events} loop;
 * the copies live in {@link OwnershipTable} entries (their own discipline). Calls to other owners
 * run on the caller's thread: {@link #locationsFromOwner} blocks (a reader whose pull failed, on a
 * user or fetch thread), {@link #tellOwnerOfCopy} does not.
 */
final class ObjectDirectory {
  private static final Logger LOG = LoggerFactory.getLogger(ObjectDirectory.class);

  private final OwnershipTable table;
  private final ChannelPool channels;
  private final Address self;
  private final NodeId node;
  private final Set<NodeId> deadNodes = ConcurrentHashMap.newKeySet();

  ObjectDirectory(OwnershipTable table, ChannelPool channels, Address self, NodeId node) {
    this.table = table;
    this.channels = channels;
    this.self = self;
    this.node = node;
  }

  /** Records that GCS declared {@code dead} dead; false if it already knew. */
  boolean nodeDied(NodeId dead) {
    if (!deadNodes.add(dead)) {
      return false;
    }
    table.nodeDied(dead);
    return true;
  }

  boolean isDead(NodeId n) {
    return deadNodes.contains(n);
  }

  /**
   * Whether the process at {@code a} is on a node GCS declared dead: what it sends is not taken
   * (fencing, DESIGN §7). An address without a node id is not.
   */
  boolean onDeadNode(Address a) {
    // asked for every result batch: no id is decoded while no node died
    return !deadNodes.isEmpty() && !a.getNodeId().isEmpty() && deadNodes.contains(ProtoIds.nodeId(a.getNodeId()));
  }

  /** Whether this process owns {@code id} now. */
  boolean owns(ObjectId id) {
    return table.get(id) != null;
  }

  /** Every live node holding a copy of an object owned here: its primary's and the pulled ones. */
  Set<NodeId> locationsOf(ObjectId id) {
    CompletableFuture<ObjectValue> f = table.get(id);
    ObjectValue v = f == null ? null : f.getNow(null);
    Set<NodeId> out = new HashSet<>(table.copies(id));
    if (v != null && v.isStored()) {
      out.add(primaryOf(v));
    }
    out.removeAll(deadNodes);
    return out;
  }

  /** True when {@code v}'s primary node and every pulled copy's node are known dead. */
  boolean lostEverywhere(ObjectId id, ObjectValue v) {
    if (!owns(id) || !deadNodes.contains(primaryOf(v))) {
      return false;
    }
    for (NodeId n : table.copies(id)) {
      if (!deadNodes.contains(n)) {
        return false;
      }
    }
    return true;
  }

  /**
   * A borrower pulled a copy of an object owned here to {@code at}. False, and not recorded, when
   * GCS declared {@code at} dead: a copy there is never read (fencing).
   */
  boolean copyAdded(ObjectId id, NodeId at) {
    if (deadNodes.contains(at)) {
      return false;
    }
    table.addCopy(id, at);
    return true;
  }

  /** The nodes {@code owner} knows to hold {@code id}; empty if it cannot be asked. Blocks. */
  Set<NodeId> locationsFromOwner(ObjectId id, Address owner) {
    if (isSelf(owner)) {
      return locationsOf(id);
    }
    try {
      var r = CoreWorkerServiceGrpc.newBlockingStub(channels.get(owner))
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .getObjectLocations(GetObjectLocationsRequest.newBuilder().setObjectId(ProtoIds.bytes(id)).build());
      Set<NodeId> out = new LinkedHashSet<>();
      r.getNodeIdsList().forEach(b -> out.add(ProtoIds.nodeId(b)));
      return out;
    } catch (StatusRuntimeException e) {
      LOG.warn("object {}: cannot ask its owner for other copies: {}", id, e.getStatus());
      return Set.of();
    }
  }

  /** A copy of {@code id} was pulled to this node: its owner frees it here too (best effort). */
  void tellOwnerOfCopy(ObjectId id, Address owner) {
    if (isSelf(owner)) {
      table.addCopy(id, node);
      return;
    }
    CoreWorkerServiceGrpc.newStub(channels.get(owner)).addObjectLocation(
        AddObjectLocationRequest.newBuilder().setObjectId(ProtoIds.bytes(id))
            .setNodeId(ProtoIds.bytes(node)).build(),
        new StreamObserver<AddObjectLocationReply>() {
          @Override
          public void onNext(AddObjectLocationReply r) {}

          @Override
          public void onError(Throwable t) {
            LOG.debug("owner of {} not told of the copy on node {}: {}", id, node, t.toString());
          }

          @Override
          public void onCompleted() {}
        });
  }

  private boolean isSelf(Address owner) {
    return owner == null || owner.getWorkerId().equals(self.getWorkerId());
  }

  static NodeId primaryOf(ObjectValue v) {
    return ProtoIds.nodeId(v.stored().getNodeId());
  }
}
