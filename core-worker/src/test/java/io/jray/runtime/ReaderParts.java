package io.jray.runtime;

import io.jray.api.NodeId;
import io.jray.api.ObjectId;
import io.jray.api.TaskId;
import io.jray.api.WorkerId;
import io.jray.api.exception.ObjectLostException;
import io.jray.common.grpc.ChannelPool;
import io.jray.common.proto.ProtoIds;
import io.jray.common.serialization.ObjectCodec;
import io.jray.proto.Address;
import io.jray.proto.ErrorInfo;
import io.jray.proto.StoredLocation;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * An {@link ObjectReader} over a real ownership table and fetcher, for unit tests: no raylet (so
 * no store is mapped and every stored value reads as lost), no task running (so no blocked
 * notices), and a recovery whose remakes the test completes by hand.
 */
final class ReaderParts implements AutoCloseable {
  static final Address SELF = Address.newBuilder().setHost("127.0.0.1").setPort(1)
      .setWorkerId(ProtoIds.bytes(WorkerId.random())).setNodeId(ProtoIds.bytes(NodeId.random())).build();

  final OwnershipTable table = new OwnershipTable((id, v, copies) -> {}, 1 << 20);
  final ChannelPool channels = new ChannelPool("t");
  final ObjectFetcher fetcher = new ObjectFetcher(channels);
  /** The remakes recovery started, by object: the test completes them. */
  final Map<ObjectId, CompletableFuture<ObjectValue>> remakes = new ConcurrentHashMap<>();
  private final ScheduledExecutorService releaser = Executors.newSingleThreadScheduledExecutor();
  final ObjectReader reader;

  ReaderParts() {
    NodeId node = ProtoIds.nodeId(SELF.getNodeId());
    ObjectDirectory directory = new ObjectDirectory(table, channels, SELF, node);
    ReferenceCounter refs = new ReferenceCounter(table,
        new BorrowedRefs(ProtoIds.workerId(SELF.getWorkerId()), node, new SilentOwnerLink(), releaser), directory, SELF);
    StoredObjects stored = new StoredObjects(channels, SELF, SELF, node, refs, directory);
    ObjectReader.Recovery recovery = new ObjectReader.Recovery() {
      @Override
      public CompletableFuture<ObjectValue> recover(ObjectId id, ObjectValue lost, String why) {
        return remakes.computeIfAbsent(id, x -> new CompletableFuture<>());
      }

      @Override
      public CompletableFuture<ObjectValue> awaitRemadeByOwner(ObjectRefImpl<?> ref, ObjectValue lost,
          ObjectLostException e, long deadlineNanos) {
        throw e;
      }
    };
    reader = new ObjectReader(table, fetcher, stored, refs,
        new BlockedNotice(channels, SELF, ProtoIds.workerId(SELF.getWorkerId()), new CurrentTask()), recovery, SELF);
  }

  /** A new pending object owned here (a submitted task's return). */
  <T> ObjectRefImpl<T> pending() {
    return table.addPending(TaskManager.returnIdOf(TaskId.random()), SELF);
  }

  /** A new ready object owned here (a put) holding {@code value} inline. */
  <T> ObjectRefImpl<T> put(T value) {
    return table.addReady(ObjectId.forPut(TaskId.random(), 1), inline(value), SELF);
  }

  static ObjectValue inline(Object value) {
    return ObjectValue.of(ObjectCodec.encode(value));
  }

  /** A value in some node's store: with no store mapped here, reading it finds no copy. */
  static ObjectValue stored() {
    return ObjectValue.inStore(StoredLocation.newBuilder().setNodeId(SELF.getNodeId()).setSize(100).build());
  }

  static ObjectValue failed(ErrorInfo.Type type, String message) {
    return ObjectValue.failed(RemoteErrors.of(type, message, "T.f").toBuilder().setClassName("X").build());
  }

  /** The remake recovery started for {@code ref}, once it has (within 5 s). */
  CompletableFuture<ObjectValue> remakeOf(ObjectRefImpl<?> ref) throws InterruptedException {
    long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
    while (!remakes.containsKey(ref.id())) {
      if (System.nanoTime() > until) {
        throw new AssertionError("recovery was not asked to make " + ref.id() + " again");
      }
      Thread.sleep(10);
    }
    return remakes.get(ref.id());
  }

  /** What {@code f} failed with (unwrapped), within 5 s; an AssertionError if it succeeded. */
  static Throwable failureOf(CompletableFuture<?> f) throws Exception {
    try {
      f.get(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("completed with a value, not a failure");
  }

  void complete(ObjectRefImpl<?> ref, ObjectValue v) {
    table.complete(ref.id(), v);
  }

  @Override
  public void close() {
    releaser.shutdownNow();
    fetcher.close();
    channels.close();
  }
}
