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
 */
record LeaseRequest(JobId job, ResourceSet resources, ByteString function, ByteString owner,
    SchedulingStrategySpec strategy, boolean grantOrReject, long backlog) {

  static LeaseRequest of(RequestWorkerLeaseRequest r) {
    return new LeaseRequest(ProtoIds.jobId(r.getJobId()), ResourceSet.of(r.getResourcesMap()),
        r.getFunction().toByteString(), r.getOwner().getWorkerId(), r.getStrategy(), r.getGrantOrReject(),
        r.getBacklog());
  }
}
