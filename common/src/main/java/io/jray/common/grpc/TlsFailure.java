package io.jray.common.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * Tells a TLS mismatch between two JRay processes from an outage. gRPC reports both as
 * UNAVAILABLE, and a caller that retries UNAVAILABLE (GCS clients do, for a minute) would wait out a
 * misconfiguration that no retry can fix. A handshake failure is final; its status names the peer,
 * what was refused and the fix.
 *
 * <p>Threads: stateless.
 */
public final class TlsFailure {
  /**
   * Resets in a row after which a plaintext client concludes that the peer speaks TLS: a TLS server
   * accepts the connection and drops it at the first plaintext bytes, while a peer that is down or
   * restarting refuses the connection instead.
   */
  public static final int RESETS_MEANING_TLS_PEER = 3;

  private TlsFailure() {}

  /** The status to fail with at once if {@code e} is a TLS handshake failure with {@code peer}; empty otherwise. */
  public static Optional<StatusRuntimeException> explain(StatusRuntimeException e, String peer) {
    Optional<String> cause = handshakeCause(e);
    if (cause.isEmpty()) {
      return Optional.empty();
    }
    String c = cause.get();
    String lower = c.toLowerCase(Locale.ROOT);
    String hint;
    if (lower.contains("certificate_required") || lower.contains("bad_certificate")
        || lower.contains("unknown_ca") || lower.contains("certificate_unknown")) {
      hint = "the peer refused this process's certificate: it runs mutual TLS and wants a client certificate"
          + " signed by its CA (--tls-ca); give this process --tls-cert/--tls-key issued by that CA and the same"
          + " --tls-ca (or JRAY_TLS_CERT/JRAY_TLS_KEY/JRAY_TLS_CA)";
    } else if (lower.contains("subject alternative") || lower.contains("hostname") || lower.contains("no name matching")) {
      hint = "the peer's certificate does not name the address dialled (" + peer + "); issue it with that IP or"
          + " name in its subjectAltName";
    } else if (lower.contains("not an ssl/tls record") || lower.contains("wrong_version_number")
        || lower.contains("http_request") || lower.contains("record_too_large")) {
      hint = "the peer does not speak TLS: start it with the same --tls-cert/--tls-key/--tls-ca, or run this"
          + " process without them";
    } else {
      hint = "the peer's certificate is not trusted by this process: give --tls-ca (JRAY_TLS_CA) the CA that"
          + " issued the cluster's certificates, or without a CA a --tls-cert file whose chain includes it";
    }
    return Optional.of(Status.UNAVAILABLE.withDescription("TLS handshake with " + peer + " failed (" + c + "): "
        + hint + ".").withCause(e).asRuntimeException());
  }

  /**
   * {@code e} is a connection the peer accepted, then closed or reset before any HTTP/2 answer: what
   * a TLS server does to a plaintext client. grpc-java reports it as a reset when bytes were still
   * unread, else as "Network closed for unknown reason" with no cause (the common case, seen with
   * grpc-java 1.85 against a netty TLS server).
   */
  public static boolean resetByPeer(StatusRuntimeException e) {
    String d = e.getStatus().getDescription();
    if (e.getStatus().getCode() == Status.Code.UNAVAILABLE && d != null
        && d.contains("Network closed for unknown reason")) {
      return true;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains("Connection reset by peer")) {
        return true;
      }
    }
    return false;
  }

  /** The final status of a plaintext client whose connections {@code peer} kept resetting. */
  public static StatusRuntimeException plaintextToTlsPeer(StatusRuntimeException last, String peer, int resets) {
    return Status.UNAVAILABLE.withDescription(peer + " accepted and then reset " + resets + " connections in a row:"
        + " it most likely runs TLS and this process does not. Give this process the cluster's --tls-cert/--tls-key"
        + " (and --tls-ca in mutual mode), or JRAY_TLS_CERT/JRAY_TLS_KEY/JRAY_TLS_CA.").withCause(last)
        .asRuntimeException();
  }

  private static Optional<String> handshakeCause(Throwable e) {
    String found = null;
    Throwable root = e;
    for (Throwable t = e; t != null; t = t.getCause()) {
      // netty wraps OpenSSL's errors in its own types (shaded), all SSLExceptions
      if (t instanceof SSLException || t.getClass().getName().contains("OpenSsl")) {
        found = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
      }
      root = t;
    }
    if (found != null && root.getMessage() != null && !found.contains(root.getMessage())) {
      found += ": " + root.getMessage(); // the verifier's reason (an unknown issuer, an expired certificate)
    }
    return Optional.ofNullable(found);
  }
}
