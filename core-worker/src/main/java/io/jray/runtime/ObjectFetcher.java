package io.jray.runtime;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.jray.api.ObjectId;
import io.jray.common.grpc.ChannelPool;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.CoreWorkerServiceGrpc;
import io.jray.proto.ErrorInfo;
import io.jray.proto.GetObjectReply;
import io.jray.proto.GetObjectRequest;
import io.jray.proto.Address;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Gets objects this process does not own from their owners, by long polling: the owner answers
 * when the object is ready or after a timeout, and the poll repeats. An owner that cannot be
 * reached, or on a node GCS declared dead, means the object is gone with it
 * ({@code OwnerDiedException}); one that does not know
 * the object means it was freed ({@code ObjectLostException}).
 *
 * <p>A pending object costs one asynchronous call in flight, not a thread, and every reader of
 * the same object (gets, waits, task arguments, {@code toCompletableFuture}) shares that call:
 * ten thousand borrowed refs waited for at once are ten thousand HTTP/2 streams on the owners'
 * channels, which the owner answers from its futures without a thread either.
 *
 * <p>Threads: none of its own. A poll is sent from the thread that asks first, and the next one
 * from the gRPC netty thread that delivered the owner's PENDING; that thread also completes the
 * object's future, so what waits on it must only hand off (the {@link ObjectReader} wakes a
 * blocked reader, {@link ObjectFutures} hops to its executor). The map of polls in flight is
 * concurrent; an entry leaves it when its future completes.
 */
final class ObjectFetcher {
  private static final long POLL_MS = 30_000;
  private final ChannelPool channels;
  /** Whether an owner is on a node GCS declared dead: such an owner is not asked (fencing). */
  private final Predicate<Address> onDeadNode;
  private final ConcurrentHashMap<ObjectId, CompletableFuture<ObjectValue>> inFlight = new ConcurrentHashMap<>();
  private volatile boolean closed;

  ObjectFetcher(ChannelPool channels) {
    this(channels, owner -> false);
  }

  ObjectFetcher(ChannelPool channels, Predicate<Address> onDeadNode) {
    this.channels = channels;
    this.onDeadNode = onDeadNode;
  }

  /** The object's value as its owner will tell it: the poll in flight for it, or a new one. */
  CompletableFuture<ObjectValue> fetch(ObjectRefImpl<?> ref) {
    CompletableFuture<ObjectValue> mine = new CompletableFuture<>();
    CompletableFuture<ObjectValue> shared = inFlight.putIfAbsent(ref.id(), mine);
    if (shared != null) {
      return shared;
    }
    // registered before the first poll, which may fail (and complete) on this very thread
    mine.whenComplete((v, e) -> inFlight.remove(ref.id(), mine));
    GetObjectRequest req = GetObjectRequest.newBuilder()
        .setObjectId(ProtoIds.bytes(ref.id())).setTimeoutMs(POLL_MS).build();
    poll(ref, req, mine);
    return mine;
  }

  /** Shutdown: polls in flight and later fetches end with an error saying so (the channels close next). */
  void close() {
    closed = true;
    inFlight.forEach((id, f) -> f.complete(shutDown(id)));
  }

  /** Polls in flight now (tests). */
  int inFlight() {
    return inFlight.size();
  }

  private void poll(ObjectRefImpl<?> ref, GetObjectRequest req, CompletableFuture<ObjectValue> result) {
    if (closed) {
      result.complete(shutDown(ref.id()));
      return;
    }
    if (onDeadNode.test(ref.owner())) {
      // its work is being redone elsewhere: even once reachable again, what it says is not used
      result.complete(ownerUnreachable(ref, "its node was declared dead by GCS"));
      return;
    }
    CoreWorkerServiceGrpc.CoreWorkerServiceStub stub;
    try {
      stub = CoreWorkerServiceGrpc.newStub(channels.get(ref.owner()));
    } catch (RuntimeException e) {
      result.complete(ownerUnreachable(ref, e.toString()));
      return;
    }
    stub.withDeadlineAfter(POLL_MS + 10_000, TimeUnit.MILLISECONDS).getObject(req, new StreamObserver<>() {
      @Override
      public void onNext(GetObjectReply r) {
        switch (r.getStatus()) {
          case READY -> result.complete(r.hasError() ? ObjectValue.failed(r.getError())
              : r.hasStored() ? ObjectValue.inStore(r.getStored()) : ObjectValue.of(r.getValue().toByteArray()));
          case NOT_FOUND -> result.complete(ObjectValue.failed(RemoteErrors.of(ErrorInfo.Type.OBJECT_LOST, "object "
              + ref.id() + " is unknown to its owner (freed, or never created)", "")));
          default -> poll(ref, req, result); // still pending: ask again
        }
      }

      @Override
      public void onError(Throwable t) {
        Status s = Status.fromThrowable(t);
        if (closed) {
          result.complete(shutDown(ref.id()));
        } else if (s.getCode() == Status.Code.DEADLINE_EXCEEDED) {
          poll(ref, req, result);
        } else {
          result.complete(ownerUnreachable(ref, s.getCode().toString()));
        }
      }

      @Override
      public void onCompleted() {}
    });
  }

  private static ObjectValue ownerUnreachable(ObjectRefImpl<?> ref, String why) {
    var owner = ref.owner();
    return ObjectValue.failed(RemoteErrors.of(ErrorInfo.Type.OWNER_DIED, "the owner of object " + ref.id() + " ("
        + owner.getHost() + ":" + owner.getPort() + ") cannot be reached: " + why, ""));
  }

  private static ObjectValue shutDown(ObjectId id) {
    return ObjectValue.failed(RemoteErrors.of(ErrorInfo.Type.SYSTEM_ERROR,
        "JRay was shut down while this process waited for object " + id + " from its owner", ""));
  }
}
