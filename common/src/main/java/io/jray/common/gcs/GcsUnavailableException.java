package io.jray.common.gcs;

import io.grpc.Status;
import java.time.Instant;

/**
 * GCS stayed unreachable for a whole call's reconnect budget ({@code gcs.reconnect-timeout-ms}):
 * the call was not (or not known to be) applied. The message names the address, since when GCS
 * has been unreachable and the last status, so that a user can tell an outage from a typo.
 */
public final class GcsUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String address;
  private final long unreachableSinceMs;
  private final transient Status lastStatus;

  GcsUnavailableException(String address, String rpc, long unreachableSinceMs, int attempts, Status lastStatus,
      Throwable cause) {
    super("GCS at " + address + " unreachable since " + Instant.ofEpochMilli(unreachableSinceMs) + " ("
        + (System.currentTimeMillis() - unreachableSinceMs) + " ms, " + attempts + (attempts == 1 ? " attempt" : " attempts")
        + " of " + rpc + "); last status " + lastStatus.getCode()
        + (lastStatus.getDescription() == null ? "" : ": " + lastStatus.getDescription()), cause);
    this.address = address;
    this.unreachableSinceMs = unreachableSinceMs;
    this.lastStatus = lastStatus;
  }

  public String address() {
    return address;
  }

  /** When the call first found GCS unreachable (epoch ms). */
  public long unreachableSinceMs() {
    return unreachableSinceMs;
  }

  /** The status of the last attempt (UNAVAILABLE, or DEADLINE_EXCEEDED for a read). */
  public Status lastStatus() {
    return lastStatus;
  }
}
