package io.jray.objectstore;

import io.jray.common.proto.ProtoIds;
import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jray.api.ObjectId;
import io.jray.api.WorkerId;
import io.jray.proto.ObjectStoreServiceGrpc;
import io.jray.proto.StoreAbortRequest;
import io.jray.proto.StoreCreateReply;
import io.jray.proto.StoreCreateRequest;
import io.jray.proto.StoreDeleteRequest;
import io.jray.proto.StoreGetReply;
import io.jray.proto.StoreGetRequest;
import io.jray.proto.StoreReleaseRequest;
import io.jray.proto.StoreSealRequest;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A core worker's side of its node's object store: maps the same arena file and speaks the local
 * protocol to the raylet. Writers copy straight into the mapping; readers read straight out of it.
 * Thread-safe: every call is a blocking gRPC call or a read of the shared mapping.
 */
public final class StoreClient implements AutoCloseable {
  private static final long WRITE_DELAY_MS =
      io.jray.common.config.JRayConfig.getLong(io.jray.common.config.JRayConfig.TESTING_STORE_WRITE_DELAY_MS);
  private final ArenaFile arena;
  private final ObjectStoreServiceGrpc.ObjectStoreServiceBlockingStub stub;
  private final ObjectStoreServiceGrpc.ObjectStoreServiceStub async;
  private final ByteString self;

  public StoreClient(Path arenaPath, long capacity, Channel rayletChannel, WorkerId self) {
    this.arena = ArenaFile.open(arenaPath, capacity);
    this.stub = ObjectStoreServiceGrpc.newBlockingStub(rayletChannel);
    this.async = ObjectStoreServiceGrpc.newStub(rayletChannel);
    this.self = ProtoIds.bytes(self);
  }

  /**
   * Creates {@code id} with {@code size} bytes, lets {@code writer} fill the slice, and seals it
   * (without waiting for the seal to be acknowledged).
   * If the writer throws, the object is aborted. Returns false when the object already existed
   * (a retried task's earlier attempt sealed it). Throws {@link StoreFullException} when the
   * store cannot make room.
   */
  public boolean put(ObjectId id, long size, boolean primary, Consumer<MemorySegment> writer) {
    return put(id, size, primary, null, writer);
  }

  /**
   * As {@link #put(ObjectId, long, boolean, Consumer)}, recording {@code owner} (its worker and
   * node ids; null: unknown) so that the object is freed when the owner dies.
   */
  public boolean put(ObjectId id, long size, boolean primary, io.jray.proto.Address owner,
      Consumer<MemorySegment> writer) {
    ByteString oid = ProtoIds.bytes(id);
    StoreCreateReply c;
    try {
      StoreCreateRequest.Builder req = StoreCreateRequest.newBuilder().setObjectId(oid).setSize(size)
          .setWorkerId(self).setPrimary(primary);
      if (owner != null) {
        setOwner(req, owner);
      }
      c = stub.withDeadlineAfter(5, TimeUnit.MINUTES).create(req.build());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
        throw new StoreFullException(e.getStatus().getDescription());
      }
      throw e;
    }
    if (c.getAlreadyExists()) {
      return false;
    }
    try {
      writer.accept(arena.segment().asSlice(c.getOffset(), size));
      if (WRITE_DELAY_MS > 0) {
        Thread.sleep(WRITE_DELAY_MS); // fault injection for tests: a window in which the writer can die
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stub.abort(StoreAbortRequest.newBuilder().setObjectId(oid).build());
      throw new IllegalStateException("interrupted while writing object " + id, e);
    } catch (RuntimeException | Error e) {
      stub.abort(StoreAbortRequest.newBuilder().setObjectId(oid).build());
      throw e;
    }
    // Sealed asynchronously: one round trip per put instead of two. A reader that asks before
    // the seal arrives waits for it, as for any object still being written.
    detached(() -> async.seal(StoreSealRequest.newBuilder().setObjectId(oid).build(), Ignore.INSTANCE));
    return true;
  }

  /**
   * Records who owns an object: its worker, and its node unless it is a driver, which outlives its
   * node (a driver's death is reported as a worker's).
   */
  private static void setOwner(StoreCreateRequest.Builder req, io.jray.proto.Address owner) {
    req.setOwnerWorkerId(owner.getWorkerId());
    if (!owner.getDriver()) {
      req.setOwnerNodeId(owner.getNodeId());
    }
  }

  private static void setOwner(io.jray.proto.StoreFetchRequest.Builder req, io.jray.proto.Address owner) {
    req.setOwnerWorkerId(owner.getWorkerId());
    if (!owner.getDriver()) {
      req.setOwnerNodeId(owner.getNodeId());
    }
  }

  /** The sealed object's bytes in the mapping, held until {@link #release}; null if not there in time. */
  public MemorySegment get(ObjectId id, long timeoutMs) {
    StoreGetReply r = stub.withDeadlineAfter(timeoutMs + 60_000, TimeUnit.MILLISECONDS).get(StoreGetRequest.newBuilder()
        .setObjectId(ProtoIds.bytes(id)).setWorkerId(self).setTimeoutMs(timeoutMs).build());
    return r.getFound() ? arena.segment().asSlice(r.getOffset(), r.getSize()) : null;
  }

  /**
   * Asks this node's raylet to pull a copy of {@code id} from another node; blocks until it is
   * here. The copy records {@code owner} (null: unknown), as {@code put} does.
   */
  public void fetch(ObjectId id, long size, io.jray.api.NodeId from, io.jray.proto.Address owner) {
    io.jray.proto.StoreFetchRequest.Builder req = io.jray.proto.StoreFetchRequest.newBuilder()
        .setObjectId(ProtoIds.bytes(id)).setSize(size).setFromNodeId(ProtoIds.bytes(from));
    if (owner != null) {
      setOwner(req, owner);
    }
    stub.withDeadlineAfter(10, TimeUnit.MINUTES).fetch(req.build());
  }

  /**
   * Whether this node's raylet answers at all (a stats call within {@code timeoutMs}): asked after
   * a store call failed, to tell a store that is gone from a call that failed for its own reason.
   */
  public boolean reachable(long timeoutMs) {
    try {
      stub.withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS).stats(io.jray.proto.StoreStatsRequest.getDefaultInstance());
      return true;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() != Status.Code.UNAVAILABLE
          && e.getStatus().getCode() != Status.Code.DEADLINE_EXCEEDED;
    }
  }

  public void release(ObjectId id) {
    detached(() -> async.release(StoreReleaseRequest.newBuilder().setObjectId(ProtoIds.bytes(id)).setWorkerId(self)
        .build(), Ignore.INSTANCE));
  }

  /** The owner frees its object on this node (asynchronously). */
  public void delete(ObjectId id) {
    delete(id, null);
  }

  /** The owner frees its object: here, and on {@code nodes} (through this node's raylet). */
  public void delete(ObjectId id, java.util.Collection<io.jray.api.NodeId> nodes) {
    delete(async, id, nodes);
  }

  /**
   * As above through the raylet at {@code raylet}, for an owner whose own node is gone: that
   * raylet deletes its copy and has the other {@code nodes} delete theirs.
   */
  public static void delete(Channel raylet, ObjectId id, java.util.Collection<io.jray.api.NodeId> nodes) {
    delete(ObjectStoreServiceGrpc.newStub(raylet), id, nodes);
  }

  private static void delete(ObjectStoreServiceGrpc.ObjectStoreServiceStub async, ObjectId id,
      java.util.Collection<io.jray.api.NodeId> nodes) {
    StoreDeleteRequest.Builder b = StoreDeleteRequest.newBuilder().setObjectId(ProtoIds.bytes(id));
    if (nodes != null) {
      for (io.jray.api.NodeId n : nodes) {
        b.addNodeIds(ProtoIds.bytes(n));
      }
    }
    detached(() -> async.delete(b.build(), Ignore.INSTANCE));
  }

  public long capacity() {
    return arena.size();
  }

  @Override
  public void close() {
    arena.close();
  }

  /**
   * Runs a fire-and-forget call outside the caller's gRPC context: called from a gRPC handler (an
   * owner freeing an object when a borrower's RemoveBorrowers arrives), it would otherwise be
   * cancelled as soon as that handler answered.
   */
  private static void detached(Runnable call) {
    io.grpc.Context.ROOT.run(call);
  }

  /** Fire-and-forget replies: release and delete have nothing to report back. */
  private static final class Ignore implements io.grpc.stub.StreamObserver<Object> {
    @SuppressWarnings("rawtypes")
    static final io.grpc.stub.StreamObserver INSTANCE = new Ignore();

    @Override
    public void onNext(Object o) {}

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }
}
