package io.jray.runtime;

/**
 * JRay's own machinery failed while a task ran: its node's store or raylet could not be reached
 * while an argument was read or the result stored, say. Not the task's fault, so never reported as
 * its exception: the owner retries the task as it would after a worker crash (counted against
 * {@code maxRetries}), and a driver's {@code get} treats the object as lost. A {@code JRayException},
 * so that what reaches user code (a driver's {@code put} on a node that died) is one of ours.
 */
final class RuntimeFailure extends io.jray.api.exception.JRayException {
  private static final long serialVersionUID = 1L;
  /** Whether the node's raylet itself was found gone (then a worker exits at once). */
  final boolean nodeGone;

  RuntimeFailure(String message, boolean nodeGone, Throwable cause) {
    super(message, cause);
    this.nodeGone = nodeGone;
  }
}
