package io.jray.raylet;

import com.google.protobuf.ByteString;
import io.jray.proto.Address;

/**
 * How {@link LeaseScheduler} answers one lease request, and learns that its requester gave up.
 * The scheduler calls these on {@code raylet-loop} only. An answer that ends the request
 * ({@link #granted}, {@link #spilledBack}, {@link #rejected}, {@link #failed}) comes at most once
 * and last; {@link #infeasible} may come before it. Kept free of gRPC so the scheduler's decisions
 * can be tested without a call behind them; {@link LeaseStream} is the gRPC side.
 */
interface LeaseReplies {
  /** Why a request ends without a worker; the transport picks its status from it. */
  enum Failure {
    /** The strategy cannot be met by any node (a hard affinity to a dead or too small node). */
    UNSCHEDULABLE,
    /** This node cannot start workers of the job (its code cannot be fetched). */
    CANNOT_START_WORKERS,
    /** The job ended while the request was queued. */
    JOB_FINISHED
  }

  /**
   * The lease is granted. False when the requester can no longer be told (it went away): then
   * nobody would return the worker, so the scheduler takes the lease back at once.
   */
  boolean granted(ByteString leaseId, Address worker, long pid);

  /** Ask that raylet instead; the request ends here. A requester that went away is not an error. */
  void spilledBack(Address raylet);

  /** No node has enough resources in total; the request stays queued. Sent once per request. */
  void infeasible(String message);

  /** A request that came by spillback and that this node can never run; the request ends. */
  void rejected(String why);

  void failed(Failure kind, String why);

  /** True once the requester cancelled; may be read before the cancellation reached the loop. */
  boolean withdrawn();
}
