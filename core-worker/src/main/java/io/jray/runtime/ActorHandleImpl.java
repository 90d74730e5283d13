package io.jray.runtime;

import io.jray.api.ActorHandle;
import io.jray.api.ActorId;

/**
 * An {@link ActorHandle}: the actor's id and class, and, for a non-detached actor, a ref to the
 * handle object its owner keeps (DESIGN §4 step 6). That ref is what counts handles: it travels
 * inside the handle, so passing a handle in an argument or result makes the receiver a borrower
 * of it like any contained ref, and when the owner frees the object no handle is left anywhere
 * and the actor is destroyed. Handles found by name carry none.
 */
final class ActorHandleImpl<A> implements ActorHandle<A> {
  private static final long serialVersionUID = 1L;

  private final byte[] actorId;
  private final String className;
  private final int maxPendingCalls;
  /**
   * The owner's handle object (an {@link ObjectRefImpl}), or null (detached, or found by name).
   * Declared as Object: Fory writes a field of the ref's own type without the class tag its
   * serialized replacement needs.
   */
  private final Object handleRef;
  private transient ActorId id;

  ActorHandleImpl(ActorId actorId, String className, int maxPendingCalls, ObjectRefImpl<?> handleRef) {
    this.actorId = actorId.bytes();
    this.className = className;
    this.maxPendingCalls = maxPendingCalls;
    this.handleRef = handleRef;
    this.id = actorId;
  }

  @Override
  public ActorId id() {
    ActorId i = id;
    if (i == null) {
      i = ActorId.fromBytes(actorId);
      id = i;
    }
    return i;
  }

  String className() {
    return className;
  }

  int maxPendingCalls() {
    return maxPendingCalls;
  }

  @Override
  public void kill() {
    CoreWorker cw = CoreWorker.current();
    if (cw == null) {
      throw new IllegalStateException(io.jray.api.JRay.isInitialized() ? "JRay was shut down"
          : "JRay is not initialized: call JRay.init() first");
    }
    cw.killActor(id());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ActorHandleImpl<?> h && java.util.Arrays.equals(actorId, h.actorId);
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(actorId);
  }

  @Override
  public String toString() {
    return "ActorHandle(" + id() + ", " + className + ")";
  }
}
