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
  /** Started with these JVM options (an actor's own), on top of the job's. */
  final java.util.List<String> jvmOptions;
  /** The actor this worker hosts, or null: set when an actor's lease is granted, for good. */
  com.google.protobuf.ByteString actorId;
  /** It hosts a detached actor: it outlives its job's driver. */
  boolean detachedActor;
  State state = State.STARTING;
  int port;
  /** Its Prometheus endpoint on the node's address; 0: none. */
  int metricsPort;
  long idleSinceMs;
  Lease lease;
  /** It declined the last request to exit because it owns objects: kept first from then on. */
  boolean ownsObjects;

  WorkerProcess(WorkerId id, JobId jobId, Process process) {
    this(id, jobId, process, java.util.List.of());
  }

  WorkerProcess(WorkerId id, JobId jobId, Process process, java.util.List<String> jvmOptions) {
    this.id = id;
    this.jobId = jobId;
    this.process = process;
    this.jvmOptions = jvmOptions;
  }

  long pid() {
    return process.pid();
  }

  @Override
  public String toString() {
    return "worker " + id + " (pid " + pid() + ", job " + jobId + ", " + state + ")";
  }
}
