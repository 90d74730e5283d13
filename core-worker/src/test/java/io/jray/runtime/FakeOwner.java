package io.jray.runtime;

import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import io.jray.api.NodeId;
import io.jray.api.ObjectId;
import io.jray.api.TaskId;
import io.jray.api.WorkerId;
import io.jray.common.grpc.Rpc;
import io.jray.common.proto.ProtoIds;
import io.jray.common.serialization.ObjectCodec;
import io.jray.proto.Address;
import io.jray.proto.CoreWorkerServiceGrpc;
import io.jray.proto.GetObjectReply;
import io.jray.proto.GetObjectRequest;
import java.io.IOException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Another process owning objects, as far as {@code GetObject} goes: a real gRPC server whose long
 * polls wait until the test answers them, one by one.
 */
final class FakeOwner implements AutoCloseable {
  /** A poll the owner holds: the request and where its answer goes. */
  record Poll(GetObjectRequest request, StreamObserver<GetObjectReply> reply) {
    void answer(GetObjectReply r) {
      reply.onNext(r);
      reply.onCompleted();
    }

    void pending() {
      answer(GetObjectReply.newBuilder().setStatus(GetObjectReply.Status.PENDING).build());
    }

    void ready(Object value) {
      answer(GetObjectReply.newBuilder().setStatus(GetObjectReply.Status.READY)
          .setValue(ByteString.copyFrom(ObjectCodec.encode(value))).build());
    }
  }

  final LinkedBlockingQueue<Poll> polls = new LinkedBlockingQueue<>();
  final AtomicInteger calls = new AtomicInteger();
  private final Server server;
  final Address address;

  FakeOwner() throws IOException {
    server = Rpc.startServer("127.0.0.1", 0, "t", null, new CoreWorkerServiceGrpc.CoreWorkerServiceImplBase() {
      @Override
      public void getObject(GetObjectRequest req, StreamObserver<GetObjectReply> reply) {
        calls.incrementAndGet();
        polls.add(new Poll(req, reply));
      }
    });
    address = Address.newBuilder().setHost("127.0.0.1").setPort(server.getPort())
        .setWorkerId(ProtoIds.bytes(WorkerId.random())).setNodeId(ProtoIds.bytes(NodeId.random())).build();
  }

  /** A ref to a new object of this owner, as a borrower holds it. */
  <T> ObjectRefImpl<T> ref() {
    return new ObjectRefImpl<>(TaskManager.returnIdOf(TaskId.random()), address);
  }

  /** The next poll to arrive (within 5 s). */
  Poll nextPoll() throws InterruptedException {
    Poll p = polls.poll(5, TimeUnit.SECONDS);
    if (p == null) {
      throw new AssertionError("no GetObject arrived at the owner");
    }
    return p;
  }

  ObjectId idOf(Poll p) {
    return ProtoIds.objectId(p.request().getObjectId());
  }

  @Override
  public void close() {
    server.shutdownNow();
  }
}
