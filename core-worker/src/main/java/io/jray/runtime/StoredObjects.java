package io.jray.runtime;

import io.jray.common.grpc.ChannelPool;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jray.api.NodeId;
import io.jray.api.ObjectId;
import io.jray.api.ObjectRef;
import io.jray.api.exception.ObjectLostException;
import io.jray.api.exception.ObjectStoreFullException;
import io.jray.common.proto.ProtoIds;
import io.jray.objectstore.StoreClient;
import io.jray.objectstore.StoreFullException;
import io.jray.proto.Address;
import io.jray.proto.StoreInfo;
import io.jray.proto.StoredLocation;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's side of its node's shared-memory object store (DESIGN §6): large values are
 * written into the mapped arena, stored objects are read out of it (pulled from another node
 * first when their copy is elsewhere, trying every copy the owner knows), and an owner's freed
 * objects are deleted from every node holding a copy.
 *
 * <p>Threads: any. The {@link StoreClient} is set once, when the raylet's registration reply says
 * how to map the store (volatile); every call on it is a blocking or asynchronous gRPC call or an
 * access to the shared mapping, on the caller's thread. Reads and pulls block the caller (a user
 * thread in {@code get}, or {@code task-executor} reading arguments), never a gRPC or loop thread.
 */
final class StoredObjects implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StoredObjects.class);
  /** Releases zero-copy views once the value holding them is unreachable. */
  private static final Cleaner VIEWS = Cleaner.create();
  private static final long GET_TIMEOUT_MS = 30_000;
  private static final long PROBE_TIMEOUT_MS = 2_000;

  private final ChannelPool channels;
  private final Address raylet;
  private final Address self;
  private final NodeId node;
  private final ReferenceCounter refs;
  private final ObjectDirectory directory;
  private volatile StoreClient store;
  private volatile long inlineThreshold = Long.MAX_VALUE;
  /** Set when shutdown starts: the raylet frees what an ending owner leaves, one by one is moot. */
  private volatile boolean closing;
  /**
   * Set when this process's node died but it goes on (a driver, DESIGN §7): nothing is stored any
   * more (values travel inline), stored objects are read from the node holding them over gRPC.
   */
  private volatile RemoteStoreReader remote;
  /** With {@link #remote}: the raylet that now frees this owner's objects on every node. */
  private volatile Address freer;
  /** Told when a store call failed and the raylet does not answer either: a worker exits then. */
  private volatile java.util.function.Consumer<String> nodeGone = why -> { };

  StoredObjects(ChannelPool channels, Address raylet, Address self, NodeId node, ReferenceCounter refs,
      ObjectDirectory directory) {
    this.channels = channels;
    this.raylet = raylet;
    this.self = self;
    this.node = node;
    this.refs = refs;
    this.directory = directory;
  }

  /** What to do once this node's raylet is found gone (a worker: exit at once; a driver: nothing). */
  void whenNodeGone(java.util.function.Consumer<String> action) {
    nodeGone = action;
  }

  /**
   * A call to this node's store failed with {@code e}: the failure to raise, a
   * {@link RuntimeFailure} saying whether the raylet is gone (asked once more, briefly).
   */
  private RuntimeFailure storeFailed(StoreClient s, String what, StatusRuntimeException e) {
    boolean gone = !s.reachable(PROBE_TIMEOUT_MS);
    String why = what + ": the object store of node " + node + (gone ? " cannot be reached (its raylet is gone?)"
        : " failed") + " (" + e.getStatus().getCode() + " " + e.getStatus().getDescription() + ")";
    if (gone && !closing) {
      nodeGone.accept(why);
    }
    return new RuntimeFailure(why, gone, e);
  }

  /**
   * This node died and this process goes on: from now on values travel inline, stored objects are
   * read with {@code reader} from the nodes holding them, and frees go through {@code raylet}.
   * Objects whose copy was on this node are lost (their owners remake them).
   */
  void nodeLost(RemoteStoreReader reader, Address raylet) {
    freer = raylet;
    remote = reader;
    LOG.warn("the object store of node {} is gone: values are kept in this process and stored objects are read"
        + " over the network from now on", node);
  }

  /** Maps the node's object store, as the raylet said at registration. */
  void attach(StoreInfo info) {
    if (info.getArenaPath().isEmpty()) {
      return;
    }
    store = new StoreClient(Path.of(info.getArenaPath()), info.getCapacity(),
        channels.get(raylet), ProtoIds.workerId(self.getWorkerId()));
    inlineThreshold = info.getInlineThreshold();
    LOG.info("mapped the object store of node {} ({} bytes, objects over {} bytes go there)", node,
        info.getCapacity(), inlineThreshold);
  }

  /**
   * Writes a large value into this node's store as {@code id}, recording {@code owner} as its
   * owner (for a task's return: the caller); returns where it lives, or null when the value is
   * small enough to travel inline (then {@code inline[0]} holds its bytes). Refs the value
   * contains are added to {@code contained}.
   */
  StoredLocation storeIfLarge(ObjectId id, Object value, byte[][] inline, List<ObjectRef<?>> contained,
      Address owner) {
    StoredValueFormat.Encoded e;
    try {
      e = ContainedRefs.encode(value, contained);
    } catch (RuntimeException ex) {
      throw new IllegalArgumentException("cannot serialize " + (value == null ? "null" : value.getClass().getName())
          + ": " + ex.getMessage(), ex);
    }
    StoreClient s = store;
    long size = e.storedSize();
    if (s == null || size <= inlineThreshold || remote != null) {
      inline[0] = e.inlineBytes();
      return null;
    }
    try {
      s.put(id, size, true, owner, e::writeTo);
    } catch (StoreFullException ex) {
      throw new ObjectStoreFullException(ex.getMessage());
    } catch (StatusRuntimeException ex) {
      throw storeFailed(s, "object " + id + " could not be stored", ex);
    }
    return StoredLocation.newBuilder().setNodeId(ProtoIds.bytes(node)).setSize(size).build();
  }

  /** As above, owned by this process (a put, or a large task argument). */
  StoredLocation storeIfLarge(ObjectId id, Object value, byte[][] inline, List<ObjectRef<?>> contained) {
    return storeIfLarge(id, value, inline, contained, self);
  }

  /** Reads a stored object (copying arrays, viewing ByteBuffers), pulling it here first if it is elsewhere. */
  Object read(ObjectId id, StoredLocation where, Address owner) {
    RemoteStoreReader r = remote;
    if (r != null) {
      return readRemote(r, id, where, owner);
    }
    StoreClient s = store;
    if (s == null) {
      throw new ObjectLostException("object " + id + " is in the object store, which this process has not mapped");
    }
    if (!where.getNodeId().equals(ProtoIds.bytes(node))) {
      // on another node: this node's raylet pulls a copy first (once, however many ask)
      pull(s, id, where, owner);
      directory.tellOwnerOfCopy(id, owner);
    }
    MemorySegment seg;
    try {
      seg = s.get(id, GET_TIMEOUT_MS);
    } catch (StatusRuntimeException e) {
      // not the object's loss but the store's: a task reading an argument is retried elsewhere,
      // a get of a driver's treats the object as lost (its owner decides whether it can be remade)
      throw storeFailed(s, "object " + id + " could not be read", e);
    }
    if (seg == null) {
      throw new ObjectLostException("object " + id + " is not in the object store of node " + node
          + " (freed, or its node lost it)");
    }
    boolean view = StoredValueFormat.isView(seg);
    try {
      Object o = refs.decoding(() -> StoredValueFormat.decode(seg));
      if (view) {
        // a zero-copy view: the object stays held in the store while the view is reachable
        VIEWS.register(o, () -> s.release(id));
      }
      return o;
    } finally {
      if (!view) {
        s.release(id);
      }
    }
  }

  /**
   * Reads {@code id} over gRPC from the node {@code where} names or, failing that, from the other
   * nodes its owner knows to hold a copy (never this process's dead node).
   */
  private Object readRemote(RemoteStoreReader r, ObjectId id, StoredLocation where, Address owner) {
    CopySources sources = new CopySources(id, where, owner, directory, node);
    for (NodeId from = sources.next(); from != null; from = sources.next()) {
      try {
        MemorySegment copy = r.read(id, where.getSize(), from);
        return refs.decoding(() -> StoredValueFormat.decode(copy));
      } catch (StatusRuntimeException | IllegalStateException e) {
        sources.failed(from, e.getMessage());
        LOG.warn("object {}: reading it from node {} failed ({}); trying the other copies", id, from, e.getMessage());
      }
    }
    throw new ObjectLostException("object " + id + " could not be read from any node holding it (this process's"
        + " node " + node + " is gone): " + sources.failures());
  }

  /**
   * Has this node's raylet pull {@code id} from the node {@code where} names; if that fails, from
   * the other nodes its owner knows to hold a copy, one after another.
   */
  private void pull(StoreClient s, ObjectId id, StoredLocation where, Address owner) {
    CopySources sources = new CopySources(id, where, owner, directory, node);
    for (NodeId from = sources.next(); from != null; from = sources.next()) {
      try {
        s.fetch(id, where.getSize(), from, owner == null ? self : owner);
        if (!sources.failures().isEmpty()) {
          LOG.info("object {}: copied from node {} after {} failed", id, from, sources.failures());
        }
        return;
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
          throw new ObjectStoreFullException(e.getStatus().getDescription());
        }
        if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
          // this node's raylet pulls: if it is the one gone, no other copy will do better
          RuntimeFailure f = storeFailed(s, "object " + id + " could not be pulled from node " + from, e);
          if (f.nodeGone) {
            throw f;
          }
        }
        sources.failed(from, e.getStatus().getCode() + " " + e.getStatus().getDescription());
        LOG.warn("object {}: pull from node {} failed ({}); trying the other copies", id, from,
            e.getStatus().getDescription());
      }
    }
    throw new ObjectLostException("object " + id + " could not be copied to node " + node + " from any node"
        + " holding it: " + sources.failures());
  }

  /** The owner dropped its last ref: the stored copies are deleted from every node holding one. */
  void freed(ObjectId id, ObjectValue v, Set<NodeId> copies) {
    StoreClient s = store;
    if (v.isStored() && s != null && !closing) {
      Set<NodeId> nodes = new HashSet<>(copies);
      nodes.add(ObjectDirectory.primaryOf(v));
      Address f = freer;
      if (f == null) {
        s.delete(id, nodes);
      } else {
        nodes.remove(node);
        StoreClient.delete(channels.get(f), id, nodes); // this node's raylet is gone
      }
    }
  }

  /** A task's return nobody will read (its worker died after sealing it, perhaps): deleted here. */
  void orphaned(ObjectId id) {
    StoreClient s = store;
    if (s != null && remote == null) {
      s.delete(id);
    }
  }

  /** Shutdown has started: frees are left to the raylet, which frees an ended owner's objects. */
  void closing() {
    closing = true;
  }

  @Override
  public void close() {
    StoreClient s = store;
    if (s != null) {
      s.close();
    }
  }
}
