package io.jray.objectstore;

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

  public ObjectStoreRpcService(EventLoop loop, ObjectStore store) {
    this.loop = loop;
    this.store = store;
  }

  private static ObjectId objectId(ByteString b) {
    require(b.size() == ObjectId.SIZE, "object_id must be " + ObjectId.SIZE + " bytes, got " + b.size());
    return ObjectId.fromBytes(b.toByteArray());
  }

  private static WorkerId workerId(ByteString b) {
    require(b.size() == WorkerId.SIZE, "worker_id must be " + WorkerId.SIZE + " bytes, got " + b.size());
    return WorkerId.fromBytes(b.toByteArray());
  }

  @Override
  public void create(StoreCreateRequest req, StreamObserver<StoreCreateReply> reply) {
    LoopCall.answer(loop, reply, () -> {
      ObjectId id = objectId(req.getObjectId());
      WorkerId w = workerId(req.getWorkerId());
      require(req.getSize() > 0, "size must be > 0, got " + req.getSize());
      try {
        ObjectStore.Created c = store.create(id, req.getSize(), w, req.getPrimary());
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

  @Override
  public void delete(StoreDeleteRequest req, StreamObserver<StoreDeleteReply> reply) {
    LoopCall.answer(loop, reply, () ->
        StoreDeleteReply.newBuilder().setDeleted(store.delete(objectId(req.getObjectId()))).build());
  }

  @Override
  public void stats(StoreStatsRequest req, StreamObserver<StoreStats> reply) {
    LoopCall.answer(loop, reply, store::stats);
  }
}
