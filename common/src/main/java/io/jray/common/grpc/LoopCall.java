package io.jray.common.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a unary call by running its body on a component's event loop. A body that throws
 * {@link StatusRuntimeException} answers with that status; {@link IllegalArgumentException}
 * becomes INVALID_ARGUMENT with its message; anything else INTERNAL, logged.
 */
public final class LoopCall {
  private static final Logger LOG = LoggerFactory.getLogger(LoopCall.class);

  private LoopCall() {}

  public static <R> void answer(Executor loop, StreamObserver<R> reply, Supplier<R> body) {
    loop.execute(() -> answerHere(reply, body));
  }

  public static <R> void answerHere(StreamObserver<R> reply, Supplier<R> body) {
    R r;
    try {
      r = body.get();
    } catch (StatusRuntimeException e) {
      reply.onError(e);
      return;
    } catch (IllegalArgumentException e) {
      reply.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    } catch (RuntimeException e) {
      LOG.error("request failed", e);
      reply.onError(Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
      return;
    }
    reply.onNext(r);
    reply.onCompleted();
  }

  /** Fails the call with INVALID_ARGUMENT unless {@code ok}. */
  public static void require(boolean ok, String message) {
    if (!ok) {
      throw Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }
  }

  public static StatusRuntimeException notFound(String message) {
    return Status.NOT_FOUND.withDescription(message).asRuntimeException();
  }
}
