package io.jray.objectstore;

import io.jray.common.proto.ProtoIds;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.jray.api.ObjectId;
import io.jray.api.WorkerId;
import io.jray.common.concurrent.EventLoop;
import io.jray.proto.Address;
import io.jray.proto.ObjectStoreServiceGrpc;
import io.jray.proto.ReadChunkReply;
import io.jray.proto.ReadChunkRequest;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The object manager's pull side (DESIGN §6): copies an object from another node's store into this
 * one in chunks ({@code chunkBytes} each, {@code inFlight} at a time), then seals it as a
 * secondary copy (evictable). Concurrent requests for one object share one pull.
 *
 * <p>Threads: the pull table lives on the store loop; chunk replies are written straight into the
 * unsealed object's memory by the gRPC thread that receives them ({@link ChunkWriter}; each chunk
 * is a disjoint range and only this pull writes there), then each call reports back to the loop.
 */
public final class ObjectPuller {
  private static final Logger LOG = LoggerFactory.getLogger(ObjectPuller.class);
  /** The raylet itself is the writer of pulled copies. */
  static final WorkerId PULLER = WorkerId.fromBytes(new byte[WorkerId.SIZE]);

  private static final MethodDescriptor<ReadChunkRequest, ReadChunkReply> READ_CHUNK =
      ObjectStoreServiceGrpc.getReadChunkMethod();

  private final EventLoop loop;
  private final ObjectStore store;
  private final Function<Address, Channel> channels;
  private final long chunkBytes;
  private final int inFlight;
  private final Map<ObjectId, CompletableFuture<Void>> pulls = new HashMap<>();
  private long pullCount;
  private long pulledBytes;

  public ObjectPuller(EventLoop loop, ObjectStore store, Function<Address, Channel> channels, long chunkBytes,
      int inFlight) {
    this.loop = loop;
    this.store = store;
    this.channels = channels;
    this.chunkBytes = chunkBytes;
    this.inFlight = inFlight;
  }

  /**
   * On the store loop: completes when {@code id} is sealed here (at once if it already is). The
   * copy records {@code owner} (null: unknown), so that it goes when its owner dies.
   */
  public CompletableFuture<Void> pull(ObjectId id, long size, Address from, ObjectOwner owner) {
    if (store.isSealed(id)) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> running = pulls.get(id);
    if (running != null) {
      return running;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    pulls.put(id, done);
    long offset;
    try {
      ObjectStore.Created c = store.create(id, size, PULLER, false, owner);
      if (c.alreadyExists()) {
        // sealed here but being deleted (isSealed said no): its owner freed it
        throw new IllegalStateException("object " + id + " is being deleted from this node's store: its owner"
            + " freed it");
      }
      offset = c.offset();
    } catch (RuntimeException e) {
      pulls.remove(id);
      done.completeExceptionally(e);
      return done;
    }
    pullCount++;
    new Transfer(id, size, from, store.arena().segment().asSlice(offset, size), done).start();
    return done;
  }

  /** The channel to another node's raylet (for forwarded deletes too). */
  public Channel channel(Address raylet) {
    return channels.apply(raylet);
  }

  public long pullCount() {
    return pullCount;
  }

  public long pulledBytes() {
    return pulledBytes;
  }

  /**
   * One object being copied: chunk calls in flight, and what is left to ask for. The store holds
   * the object for this transfer (as {@link #PULLER}) until the last call has ended, so the memory
   * gRPC threads write into stays this object's even if it is deleted or the pull fails meanwhile.
   */
  private final class Transfer {
    final ObjectId id;
    final long size;
    final Address from;
    final MemorySegment target;
    final CompletableFuture<Void> done;
    final Channel channel;
    final long startNanos = System.nanoTime();
    long nextOffset;
    long received;
    int calls;
    Throwable failure;

    Transfer(ObjectId id, long size, Address from, MemorySegment target, CompletableFuture<Void> done) {
      this.id = id;
      this.size = size;
      this.from = from;
      this.target = target;
      this.done = done;
      this.channel = channels.apply(from);
    }

    void start() {
      store.hold(id, PULLER);
      for (int i = 0; i < inFlight && nextOffset < size; i++) {
        next();
      }
    }

    /** On the loop: asks for the next chunk, which {@link ChunkWriter} writes in place. */
    private void next() {
      long off = nextOffset;
      long len = Math.min(chunkBytes, size - off);
      nextOffset += len;
      calls++;
      MethodDescriptor<ReadChunkRequest, Long> method = READ_CHUNK.toBuilder(READ_CHUNK.getRequestMarshaller(),
          new ChunkWriter(target.asSlice(off, len))).build();
      ReadChunkRequest req = ReadChunkRequest.newBuilder().setObjectId(ProtoIds.bytes(id)).setOffset(off)
          .setLength(len).build();
      ClientCalls.asyncUnaryCall(channel.newCall(method, CallOptions.DEFAULT), req, new StreamObserver<Long>() {
        long written = -1;

        @Override
        public void onNext(Long n) {
          written = n;
        }

        @Override
        public void onError(Throwable t) {
          loop.execute(() -> ended(off, len, -1, t));
        }

        @Override
        public void onCompleted() {
          long n = written;
          loop.execute(() -> ended(off, len, n, null));
        }
      });
    }

    /** On the loop: one chunk call has ended (no gRPC thread writes for it any more). */
    private void ended(long off, long len, long written, Throwable error) {
      calls--;
      if (error == null && written != len) {
        error = new IllegalStateException("chunk at " + off + " has " + written + " bytes, expected " + len);
      }
      if (error != null && failure == null) {
        failure = error;
        LOG.warn("pull of object {} from {}:{} failed: {}", id, from.getHost(), from.getPort(), error.toString());
      }
      if (failure != null) {
        if (calls == 0) {
          store.abort(id);
          store.release(id, PULLER);
          pulls.remove(id);
          done.completeExceptionally(failure);
        }
        return;
      }
      received += len;
      pulledBytes += len;
      if (received == size) {
        store.seal(id);
        store.release(id, PULLER);
        double secs = (System.nanoTime() - startNanos) / 1e9;
        LOG.info("pulled object {} ({} bytes, at arena offset {}) from {}:{} in {} s ({} GB/s)", id, size,
            target.address() - store.arena().segment().address(), from.getHost(), from.getPort(),
            String.format("%.3f", secs), String.format("%.2f", size / secs / 1e9));
        pulls.remove(id);
        done.complete(null);
      } else if (nextOffset < size) {
        next();
      }
    }
  }
}
