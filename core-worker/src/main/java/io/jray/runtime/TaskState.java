package io.jray.runtime;

/**
 * Where a submitted task is (DESIGN §5, {@link TaskManager}): waiting for its arguments, queued
 * for a lease, pushed to a worker, or done one way or the other. Retries go back to SUBMITTED.
 */
enum TaskState {
  /** Some ObjectRef argument is not known yet (or is being made again). */
  PENDING_ARGS,
  /** Arguments resolved; queued for a worker lease. */
  SUBMITTED,
  /** Pushed to a leased worker; no result yet. */
  RUNNING,
  FINISHED,
  FAILED,
  CANCELLED;

  boolean isDone() {
    return this == FINISHED || this == FAILED || this == CANCELLED;
  }
}
