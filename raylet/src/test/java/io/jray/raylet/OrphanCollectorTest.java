package io.jray.raylet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jray.api.NodeId;
import io.jray.api.ObjectId;
import io.jray.api.TaskId;
import io.jray.api.WorkerId;
import io.jray.common.concurrent.EventLoop;
import io.jray.objectstore.ArenaFile;
import io.jray.objectstore.ObjectOwner;
import io.jray.objectstore.ObjectStore;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real store over a real mapped arena: a dead owner's copies go, whether sealed, spilled, being
 * read (on release) or being written (on seal), and later writes for it are refused.
 */
class OrphanCollectorTest {
  private static final long MIB = 1 << 20;
  @TempDir
  Path dir;
  private EventLoop loop;
  private ObjectStore store;
  private OrphanCollector orphans;
  private final WorkerId writer = WorkerId.random();
  private final WorkerId reader = WorkerId.random();

  @BeforeEach
  void start() throws Exception {
    loop = new EventLoop("store-loop");
    // spills above 6.4 MiB: the second 4 MiB object pushes the first one to disk
    store = on(() -> new ObjectStore(loop, ArenaFile.create(dir, "00112233aabbccdd", 64 * MIB), dir.resolve("spill"),
        0.1));
    orphans = on(() -> new OrphanCollector(store));
  }

  @AfterEach
  void stop() throws Exception {
    on(() -> {
      store.close();
      return null;
    });
    loop.close();
  }

  private <T> T on(Callable<T> body) {
    return OnLoop.call(loop, body);
  }

  private ObjectId sealed(ObjectOwner owner) {
    ObjectId id = ObjectId.forReturn(TaskId.random(), 0);
    store.create(id, 4 * MIB, writer, true, owner);
    store.seal(id);
    return id;
  }

  @Test
  void aDeadWorkersCopiesGoEvenSpilledReadOrBeingWritten() throws Exception {
    NodeId node = NodeId.random();
    ObjectOwner dying = new ObjectOwner(WorkerId.random(), node);
    ObjectOwner other = new ObjectOwner(WorkerId.random(), node);
    ObjectId spilled = on(() -> sealed(dying));
    ObjectId read = on(() -> sealed(dying));
    ObjectId kept = on(() -> sealed(other));
    ObjectId unowned = on(() -> sealed(null));
    ObjectId writing = ObjectId.forReturn(TaskId.random(), 0);
    on(() -> {
      store.create(writing, 4 * MIB, writer, true, dying);
      store.get(read, reader, 0, loc -> { });
      return null;
    });
    assertThat(dir.resolve("spill").resolve(spilled.hex())).as("spilled to make room for the others").exists();

    on(() -> {
      orphans.workerDied(dying.worker(), node);
      return null;
    });
    assertThat(on(() -> store.isSealed(spilled))).isFalse();
    assertThat(on(() -> store.isSealed(read))).as("deleted for readers, though held").isFalse();
    assertThat(on(() -> store.stats().getObjectCount())).as("held and unsealed copies wait").isEqualTo(4);
    on(() -> {
      store.release(read, reader);
      store.seal(writing);
      return null;
    });
    assertThat(on(() -> store.stats().getObjectCount())).isEqualTo(2);
    assertThat(on(() -> store.isSealed(kept) && store.isSealed(unowned))).isTrue();
    assertThat(dir.resolve("spill").resolve(spilled.hex())).doesNotExist();
    assertThat(dir.resolve("spill").resolve(read.hex())).doesNotExist();
    assertThatThrownBy(() -> on(() -> sealed(dying))).hasMessageContaining("owner")
        .hasMessageContaining(dying.worker().toString());
  }

  @Test
  void aDeadNodesOwnersLoseTheirCopiesAndOnlyThey() throws Exception {
    NodeId dead = NodeId.random();
    ObjectOwner there = new ObjectOwner(WorkerId.random(), dead);
    ObjectOwner elsewhere = new ObjectOwner(WorkerId.random(), NodeId.random());
    on(() -> sealed(there));
    on(() -> sealed(there));
    ObjectId kept = on(() -> sealed(elsewhere));
    on(() -> {
      orphans.nodeDied(dead);
      return null;
    });
    assertThat(on(() -> store.stats().getObjectCount())).isEqualTo(1);
    assertThat(on(() -> store.isSealed(kept))).isTrue();
    assertThat(on(() -> store.stats().getUsed() + store.stats().getSpilledBytes())).isEqualTo(4 * MIB);
    assertThatThrownBy(() -> on(() -> sealed(new ObjectOwner(WorkerId.random(), dead))))
        .hasMessageContaining("died");
  }
}
