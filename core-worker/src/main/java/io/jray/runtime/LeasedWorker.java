package io.jray.runtime;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.jray.proto.Address;
import io.jray.proto.PushTaskRequest;
import java.util.HashMap;
import java.util.Map;

/**
 * A worker this owner holds a lease on, with the one stream that carries batches of tasks to it
 * and results back (DESIGN §4, §11). Guarded by the submitter's monitor.
 */
final class LeasedWorker {
  final ByteString leaseId;
  final Address worker;
  final Address raylet;
  final SchedulingQueue queue;
  final Map<ByteString, PendingTask> inflight = new HashMap<>();
  StreamObserver<PushTaskRequest> stream;
  long lastActiveNanos;
  boolean closed;

  LeasedWorker(ByteString leaseId, Address worker, Address raylet, SchedulingQueue queue) {
    this.leaseId = leaseId;
    this.worker = worker;
    this.raylet = raylet;
    this.queue = queue;
  }

  @Override
  public String toString() {
    return "lease on worker " + io.jray.api.WorkerId.fromBytes(worker.getWorkerId().toByteArray()) + " ("
        + worker.getHost() + ":" + worker.getPort() + ")";
  }
}
