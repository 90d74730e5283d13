package io.jray.runtime;

import io.jray.api.ActorId;
import io.jray.api.JobId;
import io.jray.api.NodeId;
import io.jray.api.RuntimeContext;
import io.jray.api.TaskId;
import io.jray.api.WorkerId;

/** What {@code JRay.runtimeContext()} reports: fixed ids of this process and the running task. */
final class RuntimeContextImpl implements RuntimeContext {
  private final CoreWorker worker;

  RuntimeContextImpl(CoreWorker worker) {
    this.worker = worker;
  }

  @Override
  public JobId jobId() {
    return worker.jobId();
  }

  @Override
  public NodeId nodeId() {
    return worker.nodeId();
  }

  @Override
  public WorkerId workerId() {
    return worker.workerId();
  }

  @Override
  public TaskId taskId() {
    return worker.currentTaskId();
  }

  @Override
  public ActorId actorId() {
    ActorHost h = worker.actorHost();
    return h == null ? null : h.id;
  }

  @Override
  public boolean wasRestarted() {
    ActorHost h = worker.actorHost();
    return h != null && h.wasRestarted;
  }

  @Override
  public boolean isDriver() {
    return worker.isDriver();
  }

  @Override
  public String toString() {
    return "RuntimeContext{job=" + jobId() + ", node=" + nodeId() + ", worker=" + workerId() + ", task=" + taskId()
        + (isDriver() ? ", driver" : "") + "}";
  }
}
