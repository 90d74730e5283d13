package io.jray.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.jray.api.ObjectId;
import io.jray.api.TaskId;
import io.jray.api.WorkerId;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.grpc.Rpc;
import io.jray.proto.ObjectStoreServiceGrpc;
import io.jray.proto.StoreStatsRequest;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store protocol over real gRPC with a real mapped arena: two clients (as two workers would)
 * create, seal and get the same and different objects at once.
 */
class ObjectStoreServiceTest {
  private static final String TOKEN = "test-token";
  @TempDir
  Path dir;
  private EventLoop loop;
  private ObjectStore store;
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    loop = new EventLoop("store-loop");
    store = new ObjectStore(loop, ArenaFile.create(dir, "00112233aabbccdd", 64L << 20), dir.resolve("spill"), 0.8);
    server = Rpc.startServer("127.0.0.1", 0, TOKEN, null, new ObjectStoreRpcService(loop, store));
    channel = Rpc.channel("127.0.0.1", server.getPort(), TOKEN);
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
    loop.execute(store::close);
    loop.close();
  }

  private StoreClient client() {
    return new StoreClient(store.arena().path(), store.arena().size(), channel, WorkerId.random());
  }

  private static void fill(MemorySegment s, byte v) {
    s.fill(v);
  }

  @Test
  void concurrentCreatorsOfOneIdWriteItOnceAndEveryReaderSeesItWhole() throws Exception {
    StoreClient a = client();
    StoreClient b = client();
    ObjectId id = ObjectId.forReturn(TaskId.random(), 0);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    AtomicInteger written = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> fs = new ArrayList<>();
    for (StoreClient c : List.of(a, b, a, b)) {
      fs.add(pool.submit(() -> {
        go.await();
        try {
          if (c.put(id, 1 << 20, true, s -> fill(s, (byte) 7))) {
            written.incrementAndGet();
          } else {
            refused.incrementAndGet(); // sealed already: nothing to write
          }
        } catch (StatusRuntimeException e) {
          assertThat(e.getStatus().getDescription()).contains("is being written");
          refused.incrementAndGet();
        }
        MemorySegment seg = c.get(id, 10_000);
        assertThat(seg).isNotNull();
        assertThat(seg.byteSize()).isEqualTo(1 << 20);
        for (long i = 0; i < seg.byteSize(); i += 4096) {
          assertThat(seg.get(ValueLayout.JAVA_BYTE, i)).isEqualTo((byte) 7);
        }
        c.release(id);
        return null;
      }));
    }
    go.countDown();
    for (Future<?> f : fs) {
      f.get();
    }
    pool.shutdown();
    assertThat(written.get()).isEqualTo(1);
    assertThat(refused.get()).isEqualTo(3);
  }

  @Test
  void differentIdsFromTwoClientsDoNotOverlapAndGetWaitsForSeal() throws Exception {
    StoreClient a = client();
    StoreClient b = client();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<ObjectId> ids = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      ids.add(ObjectId.forReturn(TaskId.random(), 0));
    }
    List<Future<?>> fs = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      StoreClient c = t == 0 ? a : b;
      int from = t * 20;
      fs.add(pool.submit(() -> {
        for (int i = from; i < from + 20; i++) {
          byte v = (byte) i;
          c.put(ids.get(i), 512 << 10, true, s -> fill(s, v));
        }
        return null;
      }));
    }
    // a reader that asks before the writers get there waits until the object is sealed
    MemorySegment late = b.get(ids.get(39), 30_000);
    for (Future<?> f : fs) {
      f.get();
    }
    pool.shutdown();
    assertThat(late.get(ValueLayout.JAVA_BYTE, 1000)).isEqualTo((byte) 39);
    b.release(ids.get(39));
    for (int i = 0; i < 40; i++) {
      MemorySegment s = (i % 2 == 0 ? a : b).get(ids.get(i), 1000);
      assertThat(s.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) i);
      assertThat(s.get(ValueLayout.JAVA_BYTE, s.byteSize() - 1)).isEqualTo((byte) i);
      (i % 2 == 0 ? a : b).release(ids.get(i));
    }
    var stub = ObjectStoreServiceGrpc.newBlockingStub(channel);
    assertThat(stub.stats(StoreStatsRequest.getDefaultInstance()).getObjectCount()).isEqualTo(40);
    for (ObjectId id : ids) {
      a.delete(id);
    }
    org.awaitility.Awaitility.await().until(() -> stub.stats(StoreStatsRequest.getDefaultInstance()).getUsed() == 0);
  }

  @Test
  void unsealedObjectsOfADeadWriterAreAbortedAndMissingObjectsTimeOut() throws Exception {
    WorkerId writer = WorkerId.random();
    ObjectId id = ObjectId.forReturn(TaskId.random(), 0);
    CountDownLatch done = new CountDownLatch(1);
    loop.execute(() -> {
      store.create(id, 4 << 20, writer, true);
      store.workerDied(writer);
      done.countDown();
    });
    done.await();
    StoreClient c = client();
    assertThat(c.get(id, 200)).isNull();
    var stats = ObjectStoreServiceGrpc.newBlockingStub(channel).stats(StoreStatsRequest.getDefaultInstance());
    assertThat(stats.getUsed()).isZero();
    assertThat(stats.getObjectCount()).isZero();
    assertThat(Files.exists(store.arena().path())).isTrue();
    assertThatThrownBy(() -> c.put(id, 0, true, s -> { })).isInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("size must be > 0");
  }
}
