package io.jray.runtime;

import io.grpc.StatusRuntimeException;
import io.jray.api.NodeId;
import io.jray.api.ObjectId;
import io.jray.common.config.JRayConfig;
import io.jray.common.gcs.GcsClient;
import io.jray.common.grpc.ChannelPool;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.Address;
import io.jray.proto.NodeInfo;
import io.jray.proto.ObjectStoreServiceGrpc;
import io.jray.proto.ReadChunkReply;
import io.jray.proto.ReadChunkRequest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Reads a stored object out of another node's store over gRPC ({@code ReadChunk}, the call
 * raylets pull with), into memory of this process: the way a driver whose own node died still
 * reads its results (DESIGN §7, "driver's node dies"). Slower than the shared mapping (a copy
 * per chunk), which is why it is only used when there is no mapping to read.
 *
 * <p>Threads: any; blocking, on the caller's thread. The node addresses it learnt from GCS are
 * cached in a concurrent map.
 */
final class RemoteStoreReader {
  private final ChannelPool channels;
  private final Supplier<GcsClient> gcs;
  private final long chunkBytes = JRayConfig.getLong(JRayConfig.OBJECT_CHUNK_BYTES);
  private final ConcurrentHashMap<NodeId, Address> raylets = new ConcurrentHashMap<>();

  RemoteStoreReader(ChannelPool channels, Supplier<GcsClient> gcs) {
    this.channels = channels;
    this.gcs = gcs;
  }

  /**
   * The sealed object {@code id} ({@code size} bytes) as the store of node {@code at} holds it,
   * copied here (off-heap, freed once unreachable). Throws {@link StatusRuntimeException} when that
   * store does not have it or cannot be reached, and {@link IllegalStateException} when GCS knows
   * no alive node {@code at}.
   */
  MemorySegment read(ObjectId id, long size, NodeId at) {
    Address raylet = raylet(at);
    MemorySegment copy = Arena.ofAuto().allocate(Math.max(1, size), 8).asSlice(0, size);
    ObjectStoreServiceGrpc.ObjectStoreServiceBlockingStub stub =
        ObjectStoreServiceGrpc.newBlockingStub(channels.get(raylet));
    for (long off = 0; off < size; off += chunkBytes) {
      long n = Math.min(chunkBytes, size - off);
      ReadChunkReply r = stub.withDeadlineAfter(2, TimeUnit.MINUTES).readChunk(ReadChunkRequest.newBuilder()
          .setObjectId(ProtoIds.bytes(id)).setOffset(off).setLength(n).build());
      if (r.getData().size() != n) {
        throw new IllegalStateException("object " + id + ": node " + at + " sent " + r.getData().size()
            + " bytes for chunk " + off + "+" + n);
      }
      MemorySegment.copy(MemorySegment.ofBuffer(r.getData().asReadOnlyByteBuffer()), 0, copy, off, n);
    }
    return copy;
  }

  /** An alive node's raylet, from GCS (asked again when not known yet). */
  Address raylet(NodeId node) {
    Address a = raylets.get(node);
    if (a != null) {
      return a;
    }
    GcsClient g = gcs.get();
    if (g != null) {
      for (NodeInfo n : g.allNodes()) {
        if (n.getState() == NodeInfo.State.ALIVE) {
          raylets.put(ProtoIds.nodeId(n.getNodeId()), Address.newBuilder().setHost(n.getHost())
              .setPort(n.getRayletPort()).setNodeId(n.getNodeId()).build());
        }
      }
    }
    a = raylets.get(node);
    if (a == null) {
      throw new IllegalStateException("node " + node + " is not an alive node of the cluster");
    }
    return a;
  }

}
