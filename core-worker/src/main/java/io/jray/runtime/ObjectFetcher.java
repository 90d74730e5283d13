package io.jray.runtime;

import io.jray.common.proto.ProtoIds;
import io.jray.common.grpc.ChannelPool;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jray.proto.CoreWorkerServiceGrpc;
import io.jray.proto.ErrorInfo;
import io.jray.proto.GetObjectReply;
import io.jray.proto.GetObjectRequest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Gets objects this process does not own from their owners, by long polling: the owner answers
 * when the object is ready or after a timeout, and the poll repeats. An owner that cannot be
 * reached means the object is gone with it ({@code OwnerDiedException}); one that does not know
 * the object means it was freed ({@code ObjectLostException}).
 */
final class ObjectFetcher {
  private static final long POLL_MS = 30_000;
  private final ChannelPool channels;

  ObjectFetcher(ChannelPool channels) {
    this.channels = channels;
  }

  CompletableFuture<ObjectValue> fetch(ObjectRefImpl<?> ref) {
    CompletableFuture<ObjectValue> f = new CompletableFuture<>();
    Thread.ofVirtual().name("fetch-" + ref.id()).start(() -> f.complete(poll(ref)));
    return f;
  }

  private ObjectValue poll(ObjectRefImpl<?> ref) {
    var owner = ref.owner();
    var stub = CoreWorkerServiceGrpc.newBlockingStub(channels.get(owner));
    GetObjectRequest req = GetObjectRequest.newBuilder()
        .setObjectId(ProtoIds.bytes(ref.id())).setTimeoutMs(POLL_MS).build();
    while (true) {
      GetObjectReply r;
      try {
        r = stub.withDeadlineAfter(POLL_MS + 10_000, TimeUnit.MILLISECONDS).getObject(req);
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
          continue;
        }
        return ObjectValue.failed(RemoteErrors.of(ErrorInfo.Type.OWNER_DIED, "the owner of object " + ref.id() + " ("
            + owner.getHost() + ":" + owner.getPort() + ") cannot be reached: " + e.getStatus().getCode(), ""));
      }
      switch (r.getStatus()) {
        case READY:
          return r.hasError() ? ObjectValue.failed(r.getError())
              : r.hasStored() ? ObjectValue.inStore(r.getStored()) : ObjectValue.of(r.getValue().toByteArray());
        case NOT_FOUND:
          return ObjectValue.failed(RemoteErrors.of(ErrorInfo.Type.OBJECT_LOST, "object " + ref.id()
              + " is unknown to its owner (freed, or never created)", ""));
        default:
          // still pending: ask again
      }
    }
  }
}
