package io.jray.raylet;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.jray.proto.Address;
import io.jray.proto.LeaseGrant;
import io.jray.proto.LeaseNotice;
import io.jray.proto.LeaseUpdate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC side of one {@code RequestWorkerLease} call: the scheduler's answers as
 * {@link LeaseUpdate}s on the server stream. Written on {@code raylet-loop} only (the scheduler's
 * thread); {@link #withdrawn} reads the call's own cancellation flag, which gRPC keeps safe to
 * read from any thread.
 */
final class LeaseStream implements LeaseReplies {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseStream.class);
  private final ServerCallStreamObserver<LeaseUpdate> out;

  LeaseStream(ServerCallStreamObserver<LeaseUpdate> out) {
    this.out = out;
  }

  @Override
  public boolean granted(ByteString leaseId, Address worker, long pid) {
    try {
      out.onNext(LeaseUpdate.newBuilder().setGrant(LeaseGrant.newBuilder().setLeaseId(leaseId).setWorker(worker).setPid(pid))
          .build());
      out.onCompleted();
      return true;
    } catch (RuntimeException e) {
      // gRPC throws when the owner cancelled in the meantime
      LOG.debug("grant of lease on worker {} not delivered: {}", worker.getWorkerId(), e.toString());
      return false;
    }
  }

  @Override
  public void spilledBack(Address raylet) {
    try {
      out.onNext(LeaseUpdate.newBuilder().setSpillback(raylet).build());
      out.onCompleted();
    } catch (RuntimeException e) {
      LOG.debug("spillback not delivered: {}", e.toString());
    }
  }

  @Override
  public void infeasible(String message) {
    out.onNext(LeaseUpdate.newBuilder().setNotice(LeaseNotice.newBuilder()
        .setKind(LeaseNotice.Kind.INFEASIBLE).setMessage(message)).build());
  }

  @Override
  public void rejected(String why) {
    out.onNext(LeaseUpdate.newBuilder().setRejected(why).build());
    out.onCompleted();
  }

  @Override
  public void failed(Failure kind, String why) {
    Status status = kind == Failure.JOB_FINISHED ? Status.ABORTED : Status.FAILED_PRECONDITION;
    out.onError(status.withDescription(why).asRuntimeException());
  }

  @Override
  public boolean withdrawn() {
    return out.isCancelled();
  }
}
