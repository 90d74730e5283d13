package io.jray.objectstore;

import io.jray.api.ObjectId;
import io.jray.api.WorkerId;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One entry of the store's object table. State of the store loop. */
final class StoredObject {
  enum State { CREATED, SEALED }

  final ObjectId id;
  final long size;
  final boolean primary;
  final WorkerId creator;
  final ObjectOwner owner;   // null: not known
  State state = State.CREATED;
  long offset = -1;          // -1 while spilled
  Path spillFile;
  long lastAccessNanos = System.nanoTime();
  boolean deletePending;
  final Map<WorkerId, Integer> readers = new HashMap<>();
  final List<ObjectStore.Waiter> waiters = new ArrayList<>();

  StoredObject(ObjectId id, long size, boolean primary, WorkerId creator, ObjectOwner owner) {
    this.owner = owner;
    this.id = id;
    this.size = size;
    this.primary = primary;
    this.creator = creator;
  }

  boolean inMemory() {
    return offset >= 0;
  }

  int readerCount() {
    int n = 0;
    for (int c : readers.values()) {
      n += c;
    }
    return n;
  }
}
