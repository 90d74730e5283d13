package io.jray.objectstore;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
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
 * <p>Threads: the pull table lives on the store loop; chunk replies arrive on gRPC threads and
 * write straight into the unsealed object's memory (only this pull writes there), then report back
 * to the loop.
 */
public final class ObjectPuller {
  private static final Logger LOG = LoggerFactory.getLogger(ObjectPuller.class);
  /** The raylet itself is the writer of pulled copies. */
  static final WorkerId PULLER = WorkerId.fromBytes(new byte[WorkerId.SIZE]);

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

  /** On the store loop: completes when {@code id} is sealed here (at once if it already is). */
  public CompletableFuture<Void> pull(ObjectId id, long size, Address from) {
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
      offset = store.create(id, size, PULLER, false).offset();
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

  /** One object being copied: chunk requests in flight, and what is left to ask for. */
  private final class Transfer {
    final ObjectId id;
    final long size;
    final Address from;
    final MemorySegment target;
    final CompletableFuture<Void> done;
    final ObjectStoreServiceGrpc.ObjectStoreServiceStub stub;
    final long startNanos = System.nanoTime();
    long nextOffset;
    long received;
    boolean failed;

    Transfer(ObjectId id, long size, Address from, MemorySegment target, CompletableFuture<Void> done) {
      this.id = id;
      this.size = size;
      this.from = from;
      this.target = target;
      this.done = done;
      this.stub = ObjectStoreServiceGrpc.newStub(channels.apply(from));
    }

    void start() {
      for (int i = 0; i < inFlight && nextOffset < size; i++) {
        next();
      }
    }

    /** On the loop: asks for the next chunk. */
    private void next() {
      long off = nextOffset;
      long len = Math.min(chunkBytes, size - off);
      nextOffset += len;
      stub.readChunk(ReadChunkRequest.newBuilder().setObjectId(ByteString.copyFrom(id.bytes())).setOffset(off)
          .setLength(len).build(), new StreamObserver<>() {
            @Override
            public void onNext(ReadChunkReply r) {
              // written on the loop: an aborted pull's memory may already belong to another object
              loop.execute(() -> chunk(off, len, r.getData()));
            }

            @Override
            public void onError(Throwable t) {
              loop.execute(() -> fail(t));
            }

            @Override
            public void onCompleted() {}
          });
    }

    private void chunk(long off, long len, ByteString data) {
      if (failed) {
        return;
      }
      if (data.size() != len) {
        fail(new IllegalStateException("chunk at " + off + " has " + data.size() + " bytes, expected " + len));
        return;
      }
      data.copyTo(target.asSlice(off, len).asByteBuffer());
      received += len;
      pulledBytes += len;
      if (received == size) {
        store.seal(id);
        double secs = (System.nanoTime() - startNanos) / 1e9;
        LOG.info("pulled object {} ({} bytes) from {}:{} in {} s ({} GB/s)", id, size, from.getHost(), from.getPort(),
            String.format("%.3f", secs), String.format("%.2f", size / secs / 1e9));
        pulls.remove(id);
        done.complete(null);
      } else if (nextOffset < size) {
        next();
      }
    }

    private void fail(Throwable t) {
      if (failed) {
        return;
      }
      failed = true;
      LOG.warn("pull of object {} from {}:{} failed: {}", id, from.getHost(), from.getPort(), t.toString());
      store.abort(id);
      pulls.remove(id);
      done.completeExceptionally(t);
    }
  }
}
