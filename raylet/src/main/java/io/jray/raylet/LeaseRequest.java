package io.jray.raylet;

import io.jray.common.proto.ProtoIds;
import com.google.protobuf.ByteString;
import io.jray.api.JobId;
import io.jray.proto.RequestWorkerLeaseRequest;
import io.jray.proto.SchedulingStrategySpec;

/**
 * One lease request as the scheduler sees it: a value, so that the scheduler decides over plain
 * data and can be tested without a gRPC call behind it. Immutable; built on {@code raylet-loop}
 * after the request was validated.
 *
 * @param owner the owner's worker id: its leases end when it dies
 * @param grantOrReject the owner follows a spillback: grant here or reject, never send it on
 * @param backlog how many more tasks of this class the owner has queued behind this request; they
 *     count in the reported demand, not in scheduling (each of them asks with a request of its own
 *     once it reaches the front of the owner's queue)
 * @param placement what must be free to grant it: {@code resources} and, for an actor, what it
 *     needs to be placed (1 CPU by default) although it holds less while it lives
 * @param actor set for an actor's lease (asked by GCS), null for a task's
 */
record LeaseRequest(JobId job, ResourceSet resources, ByteString function, ByteString owner,
    SchedulingStrategySpec strategy, boolean grantOrReject, long backlog, ResourceSet placement, Actor actor) {

  /** An actor's lease: its worker is the actor's alone, started with its JVM options if it has any. */
  record Actor(ByteString actorId, java.util.List<String> jvmOptions, boolean detached) {}

  LeaseRequest(JobId job, ResourceSet resources, ByteString function, ByteString owner,
      SchedulingStrategySpec strategy, boolean grantOrReject, long backlog) {
    this(job, resources, function, owner, strategy, grantOrReject, backlog, resources, null);
  }

  /** JVM options the worker must have been started with: an actor's own, else none. */
  java.util.List<String> jvmOptions() {
    return actor == null ? java.util.List.of() : actor.jvmOptions();
  }

  static LeaseRequest of(RequestWorkerLeaseRequest r) {
    return new LeaseRequest(ProtoIds.jobId(r.getJobId()), ResourceSet.of(r.getResourcesMap()),
        r.getFunction().toByteString(), r.getOwner().getWorkerId(), r.getStrategy(), r.getGrantOrReject(),
        r.getBacklog(), placementOf(r), r.getActorId().isEmpty() ? null
            : new Actor(r.getActorId(), java.util.List.copyOf(r.getJvmOptionsList()), r.getDetached()));
  }

  private static ResourceSet placementOf(RequestWorkerLeaseRequest r) {
    java.util.Map<String, Double> p = new java.util.HashMap<>(r.getPlacementResourcesMap());
    r.getResourcesMap().forEach((k, v) -> p.merge(k, v, Math::max));
    return ResourceSet.of(p);
  }
}
