package io.jray.runtime;

import io.jray.common.proto.ProtoIds;
import io.jray.common.grpc.ChannelPool;
import io.grpc.StatusRuntimeException;
import io.jray.api.ObjectId;
import io.jray.proto.AddBorrowersRequest;
import io.jray.proto.Address;
import io.jray.proto.BorrowChange;
import io.jray.proto.CoreWorkerServiceGrpc;
import io.jray.proto.RemoveBorrowersRequest;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@link OwnerLink} over the owners' core worker endpoints. */
final class GrpcOwnerLink implements OwnerLink {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GrpcOwnerLink.class);
  private final ChannelPool channels;

  GrpcOwnerLink(ChannelPool channels) {
    this.channels = channels;
  }

  private CoreWorkerServiceGrpc.CoreWorkerServiceBlockingStub stub(Address owner) {
    return CoreWorkerServiceGrpc.newBlockingStub(channels.get(owner))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @Override
  public List<ObjectId> add(Address owner, List<BorrowChange> borrows) {
    return stub(owner).addBorrowers(AddBorrowersRequest.newBuilder().addAllBorrows(borrows).build())
        .getUnknownObjectIdsList().stream().map(b -> ProtoIds.objectId(b)).toList();
  }

  @Override
  public void remove(Address owner, List<BorrowChange> borrows) {
    try {
      stub(owner).removeBorrowers(RemoveBorrowersRequest.newBuilder().addAllBorrows(borrows).build());
    } catch (StatusRuntimeException e) {
      LOG.info("cannot tell owner {}:{} that {} borrows ended ({}); if it is alive its objects stay until it exits",
          owner.getHost(), owner.getPort(), borrows.size(), e.getStatus().getCode());
    }
  }
}
