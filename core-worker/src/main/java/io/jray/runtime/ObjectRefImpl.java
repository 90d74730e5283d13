package io.jray.runtime;

import io.jray.api.JRay;
import io.jray.api.ObjectId;
import io.jray.api.ObjectRef;
import io.jray.api.WorkerId;
import io.jray.proto.Address;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

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
  /** The owner's node: stores record it with copies, which go when that node dies. */
  private final byte[] ownerNodeId;

  ObjectRefImpl(ObjectId id, Address owner) {
    this.id = id;
    this.ownerHost = owner.getHost();
    this.ownerPort = owner.getPort();
    this.ownerWorkerId = OWNER_WORKER.bytesOf(owner.getWorkerId());
    this.ownerNodeId = OWNER_NODE.bytesOf(owner.getNodeId());
  }

  private static final LastBytes OWNER_WORKER = new LastBytes();
  private static final LastBytes OWNER_NODE = new LastBytes();

  /** The last owner id turned into bytes: refs of one owner share the array (a million refs, 32 MB). */
  private static final class LastBytes {
    private volatile Object[] last = {null, null};

    byte[] bytesOf(com.google.protobuf.ByteString id) {
      Object[] l = last;
      if (l[0] == id) {
        return (byte[]) l[1];
      }
      byte[] b = id.toByteArray();
      last = new Object[] {id, b};
      return b;
    }
  }

  @Override
  public T get() {
    return JRay.get(this);
  }

  @Override
  public T get(Duration timeout) {
    return JRay.get(this, timeout);
  }

  /**
   * Through this JVM's core worker rather than the {@code JRay} facade, which has no such call
   * (DESIGN §3 puts it on the ref). Without a runtime it fails as {@code get} would.
   */
  @Override
  public CompletableFuture<T> toCompletableFuture() {
    CoreWorker cw = CoreWorker.current();
    if (cw == null) {
      return CompletableFuture.failedFuture(new IllegalStateException(
          "JRay is not initialized (or was shut down): call JRay.init() first"));
    }
    return cw.toCompletableFuture(this);
  }

  @Override
  public ObjectId id() {
    return id;
  }

  /**
   * Travels as {@link Wire}: plain bytes serialize fast (an {@code ObjectId} field would go
   * through Java serialization), and the ref reports itself to whoever encodes the value it is in
   * (see {@link ContainedRefs}).
   */
  private Object writeReplace() {
    ContainedRefs.serializing(this);
    return new Wire(id.bytes(), ownerHost, ownerPort, ownerWorkerId, ownerNodeId);
  }

  /** The serialized form of a ref. */
  static final class Wire implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final byte[] id;
    private final String ownerHost;
    private final int ownerPort;
    private final byte[] ownerWorkerId;
    private final byte[] ownerNodeId;

    Wire(byte[] id, String ownerHost, int ownerPort, byte[] ownerWorkerId, byte[] ownerNodeId) {
      this.id = id;
      this.ownerHost = ownerHost;
      this.ownerPort = ownerPort;
      this.ownerWorkerId = ownerWorkerId;
      this.ownerNodeId = ownerNodeId;
    }

    /**
     * A ref deserialized in its owner's JVM counts like the one the owner handed out, so the
     * object stays while either lives (Java serialization and Fory both call this).
     */
    private Object readResolve() {
      ObjectRefImpl<?> ref = new ObjectRefImpl<>(ObjectId.fromBytes(id), ownerHost, ownerPort, ownerWorkerId,
          ownerNodeId);
      CoreWorker cw = CoreWorker.current();
      return cw == null ? ref : cw.adopt(ref);
    }
  }

  private ObjectRefImpl(ObjectId id, String ownerHost, int ownerPort, byte[] ownerWorkerId, byte[] ownerNodeId) {
    this.id = id;
    this.ownerHost = ownerHost;
    this.ownerPort = ownerPort;
    this.ownerWorkerId = ownerWorkerId;
    this.ownerNodeId = ownerNodeId == null ? new byte[0] : ownerNodeId;
  }

  WorkerId ownerWorkerId() {
    return WorkerId.fromBytes(ownerWorkerId);
  }

  boolean ownedBy(byte[] workerId) {
    return java.util.Arrays.equals(ownerWorkerId, workerId);
  }

  Address owner() {
    return Address.newBuilder().setHost(ownerHost).setPort(ownerPort)
        .setWorkerId(com.google.protobuf.ByteString.copyFrom(ownerWorkerId))
        .setNodeId(com.google.protobuf.ByteString.copyFrom(ownerNodeId)).build();
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
