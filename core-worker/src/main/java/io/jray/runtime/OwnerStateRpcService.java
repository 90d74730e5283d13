package io.jray.runtime;

import static io.jray.common.grpc.LoopCall.require;

import io.grpc.stub.StreamObserver;
import io.jray.api.JobId;
import io.jray.common.grpc.LoopCall;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.Address;
import io.jray.proto.ListObjectsReply;
import io.jray.proto.ListObjectsRequest;
import io.jray.proto.OwnerStateServiceGrpc;
import java.util.function.Supplier;

/**
 * {@code OwnerStateService}: what this process owns, for the state API ({@code jray list
 * objects}, {@code jray get object}), which asks every driver and worker the raylets know.
 *
 * <p>Threads: answered on the netty thread; the ownership table is concurrent, and a listing is
 * one scan of it.
 */
final class OwnerStateRpcService extends OwnerStateServiceGrpc.OwnerStateServiceImplBase {
  static final int DEFAULT_LIMIT = 10_000;
  static final int MAX_LIMIT = 100_000;
  private final OwnershipTable table;
  private final JobId job;
  private final Supplier<Address> self;

  OwnerStateRpcService(OwnershipTable table, JobId job, Supplier<Address> self) {
    this.table = table;
    this.job = job;
    this.self = self;
  }

  @Override
  public void listObjects(ListObjectsRequest req, StreamObserver<ListObjectsReply> reply) {
    LoopCall.answerHere(reply, () -> {
      require(req.getLimit() >= 0 && req.getLimit() <= MAX_LIMIT, "limit must be 0.." + MAX_LIMIT + " (0: "
          + DEFAULT_LIMIT + "), got " + req.getLimit());
      int limit = req.getLimit() == 0 ? DEFAULT_LIMIT : req.getLimit();
      Address me = self.get();
      return ListObjectsReply.newBuilder().setOwner(me == null ? Address.getDefaultInstance() : me)
          .setJobId(ProtoIds.bytes(job)).addAllObjects(table.describe(limit)).setTotal(table.size()).build();
    });
  }
}
