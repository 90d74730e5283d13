package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.jray.common.grpc.AuthClientInterceptor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import io.grpc.stub.StreamObserver;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * Calls with bad input for the *BadInputIT tests: channels with any token (or none), the status a
 * call ended with, and streaming calls sent, half-closed or cancelled part way. Every call has a
 * deadline, so a call the server never answers shows up as DEADLINE_EXCEEDED, not a stuck test.
 */
final class BadInputCalls {
  /** Generous for a loaded 2-core machine; a healthy answer takes milliseconds. */
  static final long DEADLINE_SECONDS = 20;

  private BadInputCalls() {}

  /** A plain channel to 127.0.0.1:port sending {@code tokenOrNull} (none when null). */
  static ManagedChannel channel(int port, String tokenOrNull) {
    NettyChannelBuilder b = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
        .maxInboundMessageSize(64 << 20);
    if (tokenOrNull != null) {
      b.intercept(new AuthClientInterceptor(tokenOrNull));
    }
    return b.build();
  }

  /** The status a blocking call ended with: OK when it returned. */
  static Status statusOf(ThrowingCallable call) {
    try {
      call.call();
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    } catch (Throwable t) {
      throw new AssertionError("expected a gRPC status, got " + t, t);
    }
  }

  static void assertStatus(ThrowingCallable call, Status.Code code, String messagePart) {
    Status s = statusOf(call);
    assertThat(s.getCode()).as("status of the call (%s)", s).isEqualTo(code);
    assertThat(s.getDescription()).as("its message").contains(messagePart);
  }

  /** Requests and replies as raw bytes: for calls a generated stub cannot make. */
  static final io.grpc.MethodDescriptor.Marshaller<byte[]> BYTES = new io.grpc.MethodDescriptor.Marshaller<>() {
    @Override
    public java.io.InputStream stream(byte[] value) {
      return new java.io.ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(java.io.InputStream in) {
      try {
        return in.readAllBytes();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  };

  /**
   * The status of {@code method} called with {@code bytes} as its request, whatever they are (a
   * client built from other .proto files, or garbage): unary calls get one message and a
   * half-close, streaming calls the same.
   */
  static Status rawCall(ManagedChannel ch, io.grpc.MethodDescriptor<?, ?> method, byte[] bytes) {
    io.grpc.MethodDescriptor<byte[], byte[]> raw = method.toBuilder(BYTES, BYTES)
        .setType(io.grpc.MethodDescriptor.MethodType.UNARY).build();
    return statusOf(() -> io.grpc.stub.ClientCalls.blockingUnaryCall(ch, raw,
        io.grpc.CallOptions.DEFAULT.withDeadlineAfter(DEADLINE_SECONDS, java.util.concurrent.TimeUnit.SECONDS), bytes));
  }

  /** What a streaming call ended with, and the replies before that. */
  record Ended<R>(Status status, List<R> replies) {}

  /** How the client ends its side of a stream. */
  enum Finish { HALF_CLOSE, CANCEL, NOTHING }

  /**
   * Starts a client- or bidi-streaming call ({@code start} is e.g. {@code stub::uploadPackage}),
   * sends {@code messages}, ends its side as {@code finish} says and waits for the server's end:
   * after a cancel, the status is CANCELLED by the client itself.
   */
  static <Q, R> Ended<R> stream(Function<StreamObserver<R>, StreamObserver<Q>> start, List<Q> messages,
      Finish finish) {
    CompletableFuture<Status> end = new CompletableFuture<>();
    List<R> replies = new ArrayList<>();
    @SuppressWarnings("unchecked")
    ClientCallStreamObserver<Q>[] call = new ClientCallStreamObserver[1];
    StreamObserver<Q> out = start.apply(new ClientResponseObserver<Q, R>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<Q> s) {
        call[0] = s;
      }

      @Override
      public void onNext(R r) {
        synchronized (replies) {
          replies.add(r);
        }
      }

      @Override
      public void onError(Throwable t) {
        end.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        end.complete(Status.OK);
      }
    });
    for (Q m : messages) {
      out.onNext(m);
    }
    switch (finish) {
      case HALF_CLOSE -> out.onCompleted();
      case CANCEL -> call[0].cancel("the test breaks the stream off", null);
      case NOTHING -> { }
    }
    try {
      Status s = end.get(DEADLINE_SECONDS + 5, TimeUnit.SECONDS);
      synchronized (replies) {
        return new Ended<>(s, List.copyOf(replies));
      }
    } catch (Exception e) {
      throw new AssertionError("the stream did not end within its deadline", e);
    }
  }
}
