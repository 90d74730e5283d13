package io.jray.common.proto;

import com.google.protobuf.ByteString;
import io.jray.api.ActorId;
import io.jray.api.JobId;
import io.jray.api.NodeId;
import io.jray.api.ObjectId;
import io.jray.api.TaskId;
import io.jray.api.WorkerId;

/**
 * Ids to and from their wire form ({@code bytes} fields of the protos), in one place. Reading
 * throws {@link IllegalArgumentException} when the field has the wrong length, which services map
 * to INVALID_ARGUMENT; {@link #hasSize} lets a service check first.
 */
public final class ProtoIds {
  private ProtoIds() {}

  public static ByteString bytes(NodeId id) {
    return ByteString.copyFrom(id.bytes());
  }

  public static ByteString bytes(WorkerId id) {
    return ByteString.copyFrom(id.bytes());
  }

  public static ByteString bytes(JobId id) {
    return ByteString.copyFrom(id.bytes());
  }

  public static ByteString bytes(TaskId id) {
    return ByteString.copyFrom(id.bytes());
  }

  public static ByteString bytes(ObjectId id) {
    return ByteString.copyFrom(id.bytes());
  }

  public static ByteString bytes(ActorId id) {
    return ByteString.copyFrom(id.bytes());
  }

  public static NodeId nodeId(ByteString b) {
    return NodeId.fromBytes(b.toByteArray());
  }

  public static WorkerId workerId(ByteString b) {
    return WorkerId.fromBytes(b.toByteArray());
  }

  public static JobId jobId(ByteString b) {
    return JobId.fromBytes(b.toByteArray());
  }

  public static TaskId taskId(ByteString b) {
    return TaskId.fromBytes(b.toByteArray());
  }

  public static ObjectId objectId(ByteString b) {
    return ObjectId.fromBytes(b.toByteArray());
  }

  public static ActorId actorId(ByteString b) {
    return ActorId.fromBytes(b.toByteArray());
  }

  /** Whether {@code b} has the length of an id of {@code size} bytes (e.g. {@code NodeId.SIZE}). */
  public static boolean hasSize(ByteString b, int size) {
    return b.size() == size;
  }
}
