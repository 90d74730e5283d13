package io.jray.common.gcs;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jray.proto.NodeInfo;
import java.time.Instant;
import java.util.HexFormat;

/**
 * GCS's answer to a node it declared DEAD that still calls it as a member of the cluster (after a
 * partition heals, or a pause longer than the detection time): {@code FAILED_PRECONDITION} with a
 * trailer naming the node, so that the node can tell this refusal from any other and exit
 * (fencing, DESIGN §7). Its work was redone elsewhere; nothing it does now may count.
 */
public final class NodeDeclaredDead {
  /** Trailer carrying the hex id of the node that was declared dead. */
  public static final Metadata.Key<String> TRAILER =
      Metadata.Key.of("jray-node-declared-dead", Metadata.ASCII_STRING_MARSHALLER);

  private NodeDeclaredDead() {}

  /** The refusal of a call made by (or for) {@code dead}, a node in state DEAD. */
  public static StatusRuntimeException refusal(NodeInfo dead) {
    String hex = HexFormat.of().formatHex(dead.getNodeId().toByteArray());
    Metadata trailers = new Metadata();
    trailers.put(TRAILER, hex);
    return Status.FAILED_PRECONDITION.withDescription("node " + hex + " was declared dead at "
        + Instant.ofEpochMilli(dead.getDeathTimeMs()) + " (" + dead.getDeathReason() + "); its raylet and workers"
        + " must exit, and a node that comes back must join as a new node (a new raylet)")
        .asRuntimeException(trailers);
  }

  /** Whether {@code t} (null: no failure) is GCS saying that this caller's node was declared dead. */
  public static boolean is(Throwable t) {
    if (t == null) {
      return false; // grpc's Status.trailersFromThrowable throws on null
    }
    Metadata trailers = Status.trailersFromThrowable(t);
    return Status.fromThrowable(t).getCode() == Status.Code.FAILED_PRECONDITION && trailers != null
        && trailers.containsKey(TRAILER);
  }
}
