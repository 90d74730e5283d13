package io.jray.common.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Rejects every call that does not carry the cluster token, before any handler sees it. */
public final class AuthServerInterceptor implements ServerInterceptor {
  private final byte[] expected;

  public AuthServerInterceptor(String token) {
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("a gRPC server needs the cluster token");
    }
    this.expected = token.getBytes(StandardCharsets.US_ASCII);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String got = headers.get(AuthToken.HEADER);
    if (got == null || !MessageDigest.isEqual(expected, got.getBytes(StandardCharsets.US_ASCII))) {
      call.close(Status.UNAUTHENTICATED.withDescription(got == null
          ? "missing cluster token (header jray-token): set JRAY_AUTH_TOKEN or connect through the session directory"
          : "wrong cluster token: this call is for another cluster or an old session"), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }
}
