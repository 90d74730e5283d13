package io.jray.common.grpc;

import io.grpc.Metadata;
import java.security.SecureRandom;
import java.util.HexFormat;

/** The cluster's shared secret: every gRPC call carries it in the {@code jray-token} header. */
public final class AuthToken {
  public static final Metadata.Key<String> HEADER =
      Metadata.Key.of("jray-token", Metadata.ASCII_STRING_MARSHALLER);

  private AuthToken() {}

  /** A fresh random token (256 bits, hex). */
  public static String generate() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
