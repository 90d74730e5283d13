package io.jray.runtime;

import io.jray.api.ObjectId;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Objects this core worker owns (its puts and the returns of tasks it submitted): pending until
 * the task's result arrives, then a value or an error (DESIGN §5).
 *
 * <p>Concurrency: a concurrent map of futures rather than loop state, because {@code get} is
 * called from any user thread and results arrive on gRPC threads; a future is completed exactly
 * once, which is the only transition an entry makes. Reference counting joins with issue 3.
 */
final class OwnershipTable {
  private final ConcurrentHashMap<ObjectId, CompletableFuture<ObjectValue>> objects = new ConcurrentHashMap<>();

  CompletableFuture<ObjectValue> addPending(ObjectId id) {
    CompletableFuture<ObjectValue> f = new CompletableFuture<>();
    objects.put(id, f);
    return f;
  }

  void addReady(ObjectId id, ObjectValue v) {
    objects.put(id, CompletableFuture.completedFuture(v));
  }

  /** Completes a pending object; a second result for the same object (a retried task) is ignored. */
  void complete(ObjectId id, ObjectValue v) {
    CompletableFuture<ObjectValue> f = objects.get(id);
    if (f != null) {
      f.complete(v);
    }
  }

  CompletableFuture<ObjectValue> get(ObjectId id) {
    return objects.get(id);
  }

  int size() {
    return objects.size();
  }
}
