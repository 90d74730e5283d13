package io.jray.runtime;

import io.jray.api.JRay;
import io.jray.api.ObjectId;
import io.jray.api.ObjectRef;
import io.jray.api.WorkerId;
import io.jray.proto.Address;
import java.time.Duration;

/**
 * An {@link ObjectRef}: the object's id and where its owner can be asked for it. Serializable
 * (Fory or Java), so it may travel inside arguments and results.
 */
public final class ObjectRefImpl<T> implements ObjectRef<T> {
  private static final long serialVersionUID = 1L;

  /** The same instance as the owner's table key: a million refs held cost no extra id copies. */
  private final ObjectId id;
  private final String ownerHost;
  private final int ownerPort;
  private final byte[] ownerWorkerId;

  ObjectRefImpl(ObjectId id, Address owner) {
    this.id = id;
    this.ownerHost = owner.getHost();
    this.ownerPort = owner.getPort();
    this.ownerWorkerId = workerIdBytes(owner.getWorkerId());
  }

  /** The last owner id turned into bytes: refs of one owner share the array (a million refs, 32 MB). */
  private static volatile Object[] lastOwner = {null, null};

  private static byte[] workerIdBytes(com.google.protobuf.ByteString workerId) {
    Object[] last = lastOwner;
    if (last[0] == workerId) {
      return (byte[]) last[1];
    }
    byte[] b = workerId.toByteArray();
    lastOwner = new Object[] {workerId, b};
    return b;
  }

  @Override
  public T get() {
    return JRay.get(this);
  }

  @Override
  public T get(Duration timeout) {
    return JRay.get(this, timeout);
  }

  @Override
  public ObjectId id() {
    return id;
  }

  /**
   * A ref deserialized in its owner's JVM counts like the one the owner handed out, so the object
   * stays while either lives (Java serialization and Fory both call this).
   */
  private Object readResolve() {
    CoreWorker cw = CoreWorker.current();
    return cw == null ? this : cw.adopt(this);
  }

  WorkerId ownerWorkerId() {
    return WorkerId.fromBytes(ownerWorkerId);
  }

  boolean ownedBy(byte[] workerId) {
    return java.util.Arrays.equals(ownerWorkerId, workerId);
  }

  Address owner() {
    return Address.newBuilder().setHost(ownerHost).setPort(ownerPort)
        .setWorkerId(com.google.protobuf.ByteString.copyFrom(ownerWorkerId)).build();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ObjectRefImpl<?> r && r.id.equals(id);
  }

  @Override
  public int hashCode() {
    return id.hashCode();
  }

  @Override
  public String toString() {
    return "ObjectRef(" + id() + ")";
  }
}
