package io.jray.common.gcs;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jray.common.grpc.TlsConfig;
import io.jray.common.grpc.TlsFailure;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How every call of {@link GcsClient} rides out a GCS outage (a restart, a network blip): the one
 * place that decides what is retried, how often and for how long.
 *
 * <ul>
 *   <li>UNAVAILABLE is retried for every call: the request did not reach a serving GCS, or its
 *       connection broke.
 *   <li>DEADLINE_EXCEEDED is retried only for reads: a write that timed out may have been applied,
 *       and applying it twice is not harmless for all of them (a job added twice).
 *   <li>Every other status is the answer, thrown at once and unchanged.
 *   <li>A TLS mismatch (a failed handshake; or, for a plaintext client, connections reset as a TLS
 *       server resets them) is thrown at once with the fix ({@link TlsFailure}).
 * </ul>
 *
 * Retries wait 100 ms, doubling to 2 s, and start while less than the reconnect timeout has passed
 * since the call first failed; then the call fails with {@link GcsUnavailableException}. A zero
 * timeout makes exactly one attempt.
 *
 * <p>Threads: immutable; a call sleeps on the thread that made it (never a loop: GCS calls run on
 * virtual threads or the user's).
 */
final class GcsRetry {
  private static final Logger LOG = LoggerFactory.getLogger(GcsRetry.class);
  static final long FIRST_BACKOFF_MS = 100;
  static final long MAX_BACKOFF_MS = 2_000;

  private final String address;
  private final long reconnectTimeoutMs;
  private final Runnable reconnectNow;

  /**
   * {@code reconnectNow} runs before each retry: gRPC's own reconnect backoff grows to minutes, and a
   * GCS back after 30 s should be used within this class's 2 s, not gRPC's.
   */
  GcsRetry(String address, long reconnectTimeoutMs, Runnable reconnectNow) {
    if (reconnectTimeoutMs < 0) {
      throw new IllegalArgumentException("gcs.reconnect-timeout-ms must be >= 0, got " + reconnectTimeoutMs);
    }
    this.address = address;
    this.reconnectTimeoutMs = reconnectTimeoutMs;
    this.reconnectNow = reconnectNow;
  }

  GcsRetry withReconnectTimeout(long ms) {
    return new GcsRetry(address, ms, reconnectNow);
  }

  /** Runs {@code attempt} until it answers, fails for good, or the reconnect timeout is spent. */
  <T> T call(String rpc, boolean read, Supplier<T> attempt) {
    long firstFailureMs = 0;
    long firstFailureNanos = 0;
    long backoffMs = FIRST_BACKOFF_MS;
    int resets = 0;
    for (int attempts = 1; ; attempts++) {
      StatusRuntimeException failure;
      try {
        T reply = attempt.get();
        if (attempts > 1) {
          LOG.info("GCS at {} answered {} again after {} ms ({} attempts)", address, rpc,
              (System.nanoTime() - firstFailureNanos) / 1_000_000, attempts);
        }
        return reply;
      } catch (StatusRuntimeException e) {
        failure = e;
      }
      Status.Code code = failure.getStatus().getCode();
      if (code != Status.Code.UNAVAILABLE && !(read && code == Status.Code.DEADLINE_EXCEEDED)) {
        throw failure;
      }
      // a TLS mismatch is not an outage: no retry fixes it
      Optional<StatusRuntimeException> tls = TlsFailure.explain(failure, "GCS at " + address);
      if (tls.isPresent()) {
        throw tls.get();
      }
      resets = TlsFailure.resetByPeer(failure) ? resets + 1 : 0;
      if (resets == TlsFailure.RESETS_MEANING_TLS_PEER && !TlsConfig.fromConfig().enabled()) {
        throw TlsFailure.plaintextToTlsPeer(failure, "GCS at " + address, resets);
      }
      if (attempts == 1) {
        firstFailureMs = System.currentTimeMillis();
        firstFailureNanos = System.nanoTime();
        if (reconnectTimeoutMs > 0) {
          LOG.warn("GCS at {} unreachable for {} ({}); retrying for up to {} ms", address, rpc, code,
              reconnectTimeoutMs);
        }
      }
      long leftMs = reconnectTimeoutMs - (System.nanoTime() - firstFailureNanos) / 1_000_000;
      if (leftMs <= 0) {
        throw new GcsUnavailableException(address, rpc, firstFailureMs, attempts, failure.getStatus(), failure);
      }
      try {
        Thread.sleep(Math.min(backoffMs, leftMs));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw Status.CANCELLED.withDescription("interrupted while waiting for GCS at " + address + " (" + rpc + ")")
            .withCause(e).asRuntimeException();
      }
      backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
      reconnectNow.run();
    }
  }
}
