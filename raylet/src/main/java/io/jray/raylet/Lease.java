package io.jray.raylet;

import com.google.protobuf.ByteString;

/**
 * A worker granted to an owner with the resources it holds. A lease whose worker is blocked in
 * get/wait has given its CPU back ({@code cpuReleased}) and takes it again when it unblocks.
 */
final class Lease {
  final ByteString id;
  final WorkerProcess worker;
  final ResourceSet resources;
  final ByteString ownerWorkerId;
  boolean cpuReleased;

  Lease(ByteString id, WorkerProcess worker, ResourceSet resources, ByteString ownerWorkerId) {
    this.id = id;
    this.worker = worker;
    this.resources = resources;
    this.ownerWorkerId = ownerWorkerId;
  }
}
