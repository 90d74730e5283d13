package io.jray.objectstore;

import io.jray.common.proto.ProtoIds;
import static io.jray.common.grpc.LoopCall.require;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.jray.api.ObjectId;
import io.jray.api.WorkerId;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.grpc.LoopCall;
import io.jray.proto.*;

/** The local object store protocol over gRPC: checks each request, applies it on the store loop. */
public final class ObjectStoreRpcService extends ObjectStoreServiceGrpc.ObjectStoreServiceImplBase {
  private final EventLoop loop;
  private final ObjectStore store;
  private final ObjectPuller puller;
  private final java.util.function.Function<io.jray.api.NodeId, Address> nodes;

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ObjectStoreRpcService.class);

  private static String objectIdOrHex(ByteString b) {
    return b.size() == ObjectId.SIZE ? ProtoIds.objectId(b).toString() : "(bad id)";
  }

  /** {@code nodes} finds the raylet of a node (null if unknown or dead), for pulls. */
  public ObjectStoreRpcService(EventLoop loop, ObjectStore store, ObjectPuller puller,
      java.util.function.Function<io.jray.api.NodeId, Address> nodes) {
    this.loop = loop;
    this.store = store;
    this.puller = puller;
    this.nodes = nodes;
  }

  public ObjectStoreRpcService(EventLoop loop, ObjectStore store) {
    this(loop, store, null, id -> null);
  }

  private static ObjectId objectId(ByteString b) {
    require(b.size() == ObjectId.SIZE, "object_id must be " + ObjectId.SIZE + " bytes, got " + b.size());
    return ProtoIds.objectId(b);
  }

  private static WorkerId workerId(ByteString b) {
    require(b.size() == WorkerId.SIZE, "worker_id must be " + WorkerId.SIZE + " bytes, got " + b.size());
    return ProtoIds.workerId(b);
  }

  @Override
  public void create(StoreCreateRequest req, StreamObserver<StoreCreateReply> reply) {
    LoopCall.answer(loop, reply, () -> {
      ObjectId id = objectId(req.getObjectId());
      WorkerId w = workerId(req.getWorkerId());
      require(req.getSize() > 0, "size must be > 0, got " + req.getSize());
      ObjectOwner owner = ObjectOwner.of(req.getOwnerWorkerId(), req.getOwnerNodeId());
      try {
        ObjectStore.Created c = store.create(id, req.getSize(), w, req.getPrimary(), owner);
        return StoreCreateReply.newBuilder().setOffset(c.offset()).setAlreadyExists(c.alreadyExists()).build();
      } catch (StoreFullException e) {
        throw Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).asRuntimeException();
      } catch (IllegalStateException e) {
        throw Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException();
      }
    });
  }

  @Override
  public void seal(StoreSealRequest req, StreamObserver<StoreSealReply> reply) {
    LoopCall.answer(loop, reply, () -> {
      ObjectId id = objectId(req.getObjectId());
      try {
        store.seal(id);
      } catch (IllegalArgumentException e) {
        throw LoopCall.notFound(e.getMessage());
      }
      return StoreSealReply.getDefaultInstance();
    });
  }

  @Override
  public void abort(StoreAbortRequest req, StreamObserver<StoreAbortReply> reply) {
    LoopCall.answer(loop, reply, () -> {
      store.abort(objectId(req.getObjectId()));
      return StoreAbortReply.getDefaultInstance();
    });
  }

  @Override
  public void get(StoreGetRequest req, StreamObserver<StoreGetReply> reply) {
    ObjectId id;
    WorkerId w;
    try {
      id = objectId(req.getObjectId());
      w = workerId(req.getWorkerId());
    } catch (io.grpc.StatusRuntimeException e) {
      reply.onError(e);
      return;
    }
    long timeout = Math.max(0, Math.min(req.getTimeoutMs(), 600_000));
    loop.execute(() -> store.get(id, w, timeout, loc -> {
      reply.onNext(loc == null ? StoreGetReply.newBuilder().setFound(false).build()
          : StoreGetReply.newBuilder().setFound(true).setOffset(loc.offset()).setSize(loc.size()).build());
      reply.onCompleted();
    }));
  }

  @Override
  public void release(StoreReleaseRequest req, StreamObserver<StoreReleaseReply> reply) {
    LoopCall.answer(loop, reply, () -> {
      store.release(objectId(req.getObjectId()), workerId(req.getWorkerId()));
      return StoreReleaseReply.getDefaultInstance();
    });
  }

  /**
   * Deletes the local copy; when the owner's copy lives on another node, forwards the delete there
   * too, so freeing an object frees it where it was made (and here, if it was pulled).
   */
  @Override
  public void delete(StoreDeleteRequest req, StreamObserver<StoreDeleteReply> reply) {
    try {
      objectId(req.getObjectId());
      for (int i = 0; i < req.getNodeIdsCount(); i++) {
        require(req.getNodeIds(i).size() == io.jray.api.NodeId.SIZE, "node_ids[" + i + "] must be "
            + io.jray.api.NodeId.SIZE + " bytes, got " + req.getNodeIds(i).size());
      }
    } catch (io.grpc.StatusRuntimeException e) {
      // checked whole before anything is forwarded: a bad request deletes nothing anywhere
      reply.onError(e);
      return;
    }
    for (ByteString node : req.getNodeIdsList()) {
      if (puller == null) {
        continue;
      }
      Address at = nodes.apply(ProtoIds.nodeId(node));
      if (at != null && !at.getNodeId().isEmpty()) {
        // outside this call's context: it is cancelled as soon as this call is answered, which
        // would cancel the forwarded delete with it
        io.grpc.Context.ROOT.run(() -> ObjectStoreServiceGrpc.newStub(puller.channel(at)).delete(StoreDeleteRequest.newBuilder()
            .setObjectId(req.getObjectId()).build(), new StreamObserver<>() {
              @Override
              public void onNext(StoreDeleteReply r) {}

              @Override
              public void onError(Throwable t) {
                LOG.warn("object {}: cannot delete the copy on node {}: {}", objectIdOrHex(req.getObjectId()),
                    ProtoIds.nodeId(node), t.toString());
              }

              @Override
              public void onCompleted() {}
            }));
      }
    }
    LoopCall.answer(loop, reply, () ->
        StoreDeleteReply.newBuilder().setDeleted(store.delete(objectId(req.getObjectId()))).build());
  }

  @Override
  public void stats(StoreStatsRequest req, StreamObserver<StoreStats> reply) {
    LoopCall.answer(loop, reply, () -> withPulls(store.stats()));
  }

  private StoreStats withPulls(StoreStats s) {
    return puller == null ? s : s.toBuilder().setPullCount(puller.pullCount()).setPulledBytes(puller.pulledBytes())
        .build();
  }

  @Override
  public void fetch(StoreFetchRequest req, StreamObserver<StoreFetchReply> reply) {
    ObjectId id;
    io.jray.api.NodeId from;
    ObjectOwner owner;
    try {
      id = objectId(req.getObjectId());
      require(req.getSize() > 0, "size must be > 0, got " + req.getSize());
      require(req.getFromNodeId().size() == io.jray.api.NodeId.SIZE, "from_node_id must be "
          + io.jray.api.NodeId.SIZE + " bytes");
      from = ProtoIds.nodeId(req.getFromNodeId());
      owner = ObjectOwner.of(req.getOwnerWorkerId(), req.getOwnerNodeId());
      if (puller == null) {
        throw Status.UNIMPLEMENTED.withDescription("this store does not pull objects").asRuntimeException();
      }
    } catch (io.grpc.StatusRuntimeException e) {
      reply.onError(e);
      return;
    } catch (IllegalArgumentException e) {
      reply.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    Address at = nodes.apply(from);
    if (at == null) {
      reply.onError(Status.UNAVAILABLE.withDescription("object " + id + " is on node " + from
          + ", which is not alive (or not known here)").asRuntimeException());
      return;
    }
    loop.execute(() -> puller.pull(id, req.getSize(), at, owner).whenComplete((v, e) -> {
      if (e == null) {
        reply.onNext(StoreFetchReply.getDefaultInstance());
        reply.onCompleted();
      } else {
        Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        Status st = c instanceof StoreFullException ? Status.RESOURCE_EXHAUSTED : Status.UNAVAILABLE;
        reply.onError(st.withDescription("cannot pull object " + id + " from node " + from + ": "
            + c.getMessage()).asRuntimeException());
      }
    }));
  }

  /**
   * Serves a chunk without copying it out of the arena first: the reply wraps a view of the mapped
   * object, which the store holds for us until gRPC has framed it. Framing copies the 8 MiB into
   * netty's buffers inside {@code onNext}, so it runs on a virtual thread, not on the store loop.
   */
  @Override
  public void readChunk(ReadChunkRequest req, StreamObserver<ReadChunkReply> reply) {
    loop.execute(() -> {
      ObjectId id;
      java.nio.ByteBuffer view;
      try {
        id = objectId(req.getObjectId());
        view = store.readChunk(id, req.getOffset(), req.getLength(), ObjectPuller.PULLER);
      } catch (io.grpc.StatusRuntimeException e) {
        reply.onError(e);
        return;
      } catch (IllegalArgumentException e) {
        reply.onError(LoopCall.notFound(e.getMessage()));
        return;
      } catch (IndexOutOfBoundsException e) {
        reply.onError(Status.OUT_OF_RANGE.withDescription(e.getMessage()).asRuntimeException());
        return;
      } catch (StoreFullException e) {
        // spilled, and no room to restore it now: the puller may try again or another copy
        reply.onError(Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).asRuntimeException());
        return;
      } catch (RuntimeException e) {
        LOG.error("object {}: cannot serve chunk {}+{}", objectIdOrHex(req.getObjectId()), req.getOffset(),
            req.getLength(), e);
        reply.onError(Status.UNAVAILABLE.withDescription("cannot read object " + objectIdOrHex(req.getObjectId())
            + " here: " + e.getMessage()).asRuntimeException());
        return;
      }
      Thread.ofVirtual().name("read-chunk").start(() -> {
        try {
          LoopCall.answerHere(reply, () -> ReadChunkReply.newBuilder()
              .setData(com.google.protobuf.UnsafeByteOperations.unsafeWrap(view)).build());
        } finally {
          loop.execute(() -> store.release(id, ObjectPuller.PULLER));
        }
      });
    });
  }
}
