package io.jray.common.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;

/**
 * Answers a request whose bytes are not a valid message with {@code INVALID_ARGUMENT} naming the
 * method and the parse error.
 *
 * <p>Why: grpc-java parses a request inside the listener callback, so a parse failure escapes it
 * like an exception thrown by a handler: the caller gets {@code UNKNOWN "Application error
 * processing RPC"} and the server logs a SEVERE stack trace per call, which says nothing to the
 * caller and floods the log of a server that is fed garbage. Here the method takes the request as
 * its raw stream and parses it with the method's own marshaller, once, so a well-formed request
 * costs what it did before.
 */
final class RequestParsing {
  private static final MethodDescriptor.Marshaller<InputStream> RAW = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(InputStream value) {
      return value;
    }

    @Override
    public InputStream parse(InputStream stream) {
      return stream;
    }
  };

  private RequestParsing() {}

  /** {@code service} with every method's request parsed as described above. */
  static ServerServiceDefinition checked(ServerServiceDefinition service) {
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(service.getServiceDescriptor().getName());
    for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
      b.addMethod(wrap(m));
    }
    return b.build();
  }

  private static <Q, R> ServerMethodDefinition<InputStream, R> wrap(ServerMethodDefinition<Q, R> m) {
    MethodDescriptor<Q, R> original = m.getMethodDescriptor();
    MethodDescriptor<InputStream, R> raw = original.toBuilder(RAW, original.getResponseMarshaller()).build();
    ServerCallHandler<Q, R> handler = m.getServerCallHandler();
    return ServerMethodDefinition.create(raw, (call, headers) -> startCall(original, handler, call, headers));
  }

  private static <Q, R> ServerCall.Listener<InputStream> startCall(MethodDescriptor<Q, R> original,
      ServerCallHandler<Q, R> handler, ServerCall<InputStream, R> call, Metadata headers) {
    TypedCall<Q, R> typed = new TypedCall<>(call, original);
    ServerCall.Listener<Q> listener = handler.startCall(typed, headers);
    return new ParsingListener<>(listener, original, typed);
  }

  /**
   * The raw call as the handler sees it: its own method descriptor, responses unchanged. Once a
   * request is refused, what the handler still sends is dropped (the call is closed already).
   * Calls come on the call's serialized executor, so the flag needs no lock.
   */
  private static final class TypedCall<Q, R> extends ForwardingServerCall<Q, R> {
    private final ServerCall<InputStream, R> raw;
    private final MethodDescriptor<Q, R> method;
    private boolean refused;

    TypedCall(ServerCall<InputStream, R> raw, MethodDescriptor<Q, R> method) {
      this.raw = raw;
      this.method = method;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected ServerCall<Q, R> delegate() {
      // every method a handler calls exists on ServerCall<?, R> with the same meaning; only
      // getMethodDescriptor depends on the request type, and it is overridden below
      return (ServerCall<Q, R>) (ServerCall<?, R>) raw;
    }

    @Override
    public MethodDescriptor<Q, R> getMethodDescriptor() {
      return method;
    }

    void refuse(Status status) {
      refused = true;
      raw.close(status, new Metadata());
    }

    @Override
    public void sendMessage(R message) {
      if (!refused) {
        super.sendMessage(message);
      }
    }

    @Override
    public void close(Status status, Metadata trailers) {
      if (!refused) {
        super.close(status, trailers);
      }
    }
  }

  /**
   * Parses each message; the first that fails closes the call and tells the handler the call was
   * cancelled (so a stream's request observer ends with onError and its state is dropped), after
   * which the handler hears nothing more: no half-close it would answer a second time.
   */
  private static final class ParsingListener<Q, R> extends ServerCall.Listener<InputStream> {
    private final ServerCall.Listener<Q> listener;
    private final MethodDescriptor<Q, R> method;
    private final TypedCall<Q, R> call;
    private boolean refused;

    ParsingListener(ServerCall.Listener<Q> listener, MethodDescriptor<Q, R> method, TypedCall<Q, R> call) {
      this.listener = listener;
      this.method = method;
      this.call = call;
    }

    @Override
    public void onMessage(InputStream message) {
      if (refused) {
        return;
      }
      Q request;
      try {
        request = method.parseRequest(message);
      } catch (StatusRuntimeException | IllegalArgumentException e) {
        refused = true;
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        call.refuse(Status.INVALID_ARGUMENT.withDescription("the request to " + method.getFullMethodName()
            + " is not a valid message (" + cause.getMessage() + "); is the client built from the same"
            + " jray .proto files as this server?"));
        listener.onCancel();
        return;
      }
      listener.onMessage(request);
    }

    @Override
    public void onHalfClose() {
      if (!refused) {
        listener.onHalfClose();
      }
    }

    @Override
    public void onCancel() {
      if (!refused) {
        listener.onCancel();
      }
    }

    @Override
    public void onComplete() {
      if (!refused) {
        listener.onComplete();
      }
    }

    @Override
    public void onReady() {
      if (!refused) {
        listener.onReady();
      }
    }
  }
}
