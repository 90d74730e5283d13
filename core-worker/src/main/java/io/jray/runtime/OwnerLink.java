package io.jray.runtime;

import io.jray.api.ObjectId;
import io.jray.proto.Address;
import io.jray.proto.BorrowChange;
import java.util.List;

/** How a borrower reaches an object's owner to register and end its borrows. */
interface OwnerLink {
  /**
   * Registers the borrows at {@code owner} and returns the objects it no longer has (those
   * borrows do not count). Throws if the owner cannot be reached.
   */
  List<ObjectId> add(Address owner, List<BorrowChange> borrows);

  /** Ends the borrows at {@code owner}; best effort (a dead owner has nothing left to free). */
  void remove(Address owner, List<BorrowChange> borrows);
}
