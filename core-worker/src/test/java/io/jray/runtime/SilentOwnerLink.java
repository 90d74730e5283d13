package io.jray.runtime;

import io.jray.api.ObjectId;
import io.jray.proto.Address;
import io.jray.proto.BorrowChange;
import java.util.List;

/** An owner link for tests whose borrows do not matter: every registration is taken, every removal dropped. */
final class SilentOwnerLink implements OwnerLink {
  @Override
  public List<ObjectId> add(Address owner, List<BorrowChange> borrows) {
    return List.of();
  }

  @Override
  public void remove(Address owner, List<BorrowChange> borrows) {}
}
