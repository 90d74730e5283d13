package io.jray.raylet;

import io.jray.api.JobId;
import io.jray.api.WorkerId;

/** One worker JVM this raylet started, as the worker pool sees it. State of the raylet loop. */
final class WorkerProcess {
  /** EXITING: asked to exit while idle; not leased out while it answers. */
  enum State { STARTING, IDLE, LEASED, EXITING, DEAD }

  final WorkerId id;
  final JobId jobId;
  final Process process;
  State state = State.STARTING;
  int port;
  long idleSinceMs;
  Lease lease;
  /** It declined the last request to exit because it owns objects: kept first from then on. */
  boolean ownsObjects;

  WorkerProcess(WorkerId id, JobId jobId, Process process) {
    this.id = id;
    this.jobId = jobId;
    this.process = process;
  }

  long pid() {
    return process.pid();
  }

  @Override
  public String toString() {
    return "worker " + id + " (pid " + pid() + ", job " + jobId + ", " + state + ")";
  }
}
