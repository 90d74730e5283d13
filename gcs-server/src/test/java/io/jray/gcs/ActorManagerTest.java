package io.jray.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.jray.api.ActorId;
import io.jray.api.WorkerId;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.grpc.ChannelPool;
import io.jray.proto.ActorInfo;
import io.jray.proto.Address;
import io.jray.proto.ErrorInfo;
import io.jray.proto.FunctionDescriptor;
import io.jray.proto.TaskSpec;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The actor lifecycle decisions of {@link ActorManager} over real RocksDB, on its loop: names,
 * kills, restarts, owner and job deaths, and what a restarted GCS reloads. No node is alive, so
 * placements only wait; the worker-side outcomes are reported as {@link ActorScheduler} would.
 */
class ActorManagerTest {
  private static final ByteString JOB = ByteString.copyFrom(new byte[] {0, 0, 0, 1});
  private static final ByteString OWNER = ByteString.copyFrom(WorkerId.random().bytes());
  private static final ByteString NODE = ByteString.copyFrom(new byte[16]);

  @TempDir
  Path dir;
  private EventLoop loop;
  private GcsStorage storage;
  private ChannelPool channels;
  private ActorManager actors;

  @BeforeEach
  void start() throws Exception {
    loop = new EventLoop("gcs-loop");
    storage = new GcsStorage(dir);
    channels = new ChannelPool("token");
    actors = on(this::manager);
  }

  private ActorManager manager() {
    Publisher publisher = new Publisher();
    ResourceView resources = new ResourceView(publisher);
    NodeTable nodes = new NodeTable(storage, publisher, (id, why) -> { });
    ActorTable table = new ActorTable(storage);
    return new ActorManager(table, new ActorScheduler(loop, channels, nodes, resources,
        Address.newBuilder().setWorkerId(ByteString.copyFrom(WorkerId.random().bytes())).build(), table::get),
        channels);
  }

  @AfterEach
  void stop() {
    loop.close();
    storage.close();
    channels.close();
  }

  private <T> T on(Supplier<T> body) throws Exception {
    CompletableFuture<T> f = new CompletableFuture<>();
    loop.execute(() -> {
      try {
        f.complete(body.get());
      } catch (Throwable e) {
        f.completeExceptionally(e);
      }
    });
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof Exception c ? c : e;
    }
  }

  private static ActorInfo actor(String name, boolean detached, int maxRestarts) {
    ByteString id = ByteString.copyFrom(ActorId.random().bytes());
    ActorInfo.Builder b = ActorInfo.newBuilder().setActorId(id).setJobId(JOB).setClassName("demo.Counter")
        .setDetached(detached).setMaxRestarts(maxRestarts).setMaxConcurrency(1).setMaxPendingCalls(10)
        .putPlacementResources("CPU", 1.0)
        .setOwner(Address.newBuilder().setWorkerId(detached ? ByteString.EMPTY : OWNER).setNodeId(NODE))
        .setCreation(TaskSpec.newBuilder().setActorId(id).setActorCreation(true)
            .setFunction(FunctionDescriptor.newBuilder().setClassName("demo.Counter").setMethodName("<init>")));
    if (name != null) {
      b.setName(name);
    }
    return b.build();
  }

  private ActorInfo state(ActorInfo a) throws Exception {
    return on(() -> actors.table().get(a.getActorId()));
  }

  /** Registered, created, leased and alive, as when GCS placed it on a worker. */
  private void alive(ActorInfo a, ByteString worker) throws Exception {
    on(() -> {
      actors.register(a);
      actors.create(a);
      actors.leased(a.getActorId(), 0, Address.newBuilder().setWorkerId(worker).setNodeId(NODE).build(), 42);
      actors.created(a.getActorId(), 0);
      return null;
    });
  }

  @Test
  void aTakenNameIsRefusedUntilItsActorIsDead() throws Exception {
    ActorInfo first = actor("counter", false, 0);
    on(() -> {
      actors.register(first);
      return null;
    });
    ActorInfo second = actor("counter", false, 0);
    assertThatThrownBy(() -> on(() -> {
      actors.register(second);
      return null;
    })).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("counter");
    assertThat(state(second)).as("a refused registration changes nothing").isNull();
    on(() -> actors.kill(first.getActorId(), true, "test", false, false));
    assertThat(state(first).getState()).isEqualTo(ActorInfo.State.DEAD);
    assertThat(on(() -> actors.table().named("counter"))).isNull();
    on(() -> {
      actors.register(second);
      return null;
    });
    assertThat(on(() -> actors.table().named("counter")).getActorId()).isEqualTo(second.getActorId());
  }

  @Test
  void aWorkerDeathRestartsWhileRestartsLastThenTheActorIsDead() throws Exception {
    ActorInfo a = actor(null, false, 1);
    ByteString w1 = ByteString.copyFrom(WorkerId.random().bytes());
    alive(a, w1);
    assertThat(state(a).getState()).isEqualTo(ActorInfo.State.ALIVE);
    on(() -> {
      actors.workerDied(w1, "killed");
      return null;
    });
    ActorInfo r = state(a);
    assertThat(r.getState()).isEqualTo(ActorInfo.State.RESTARTING);
    assertThat(r.getNumRestarts()).isEqualTo(1);
    assertThat(r.hasAddress()).isFalse();
    // a late answer about the first attempt changes nothing
    on(() -> {
      actors.created(a.getActorId(), 0);
      return null;
    });
    assertThat(state(a).getState()).isEqualTo(ActorInfo.State.RESTARTING);
    ByteString w2 = ByteString.copyFrom(WorkerId.random().bytes());
    on(() -> {
      actors.leased(a.getActorId(), 1, Address.newBuilder().setWorkerId(w2).setNodeId(NODE).build(), 43);
      actors.created(a.getActorId(), 1);
      actors.workerDied(w2, "killed again");
      return null;
    });
    ActorInfo d = state(a);
    assertThat(d.getState()).isEqualTo(ActorInfo.State.DEAD);
    assertThat(d.getDeathCause().getType()).isEqualTo(ErrorInfo.Type.ACTOR_DIED);
    assertThat(d.getDeathCause().getMessage()).contains("no restarts left").contains("demo.Counter");
  }

  @Test
  void aConstructorThatThrowsKillsForGoodAndCarriesTheException() throws Exception {
    ActorInfo a = actor(null, false, 5);
    on(() -> {
      actors.register(a);
      actors.create(a);
      actors.constructorFailed(a.getActorId(), 0, ErrorInfo.newBuilder().setType(ErrorInfo.Type.TASK_EXCEPTION)
          .setClassName("java.lang.IllegalStateException").setMessage("no way").build());
      return null;
    });
    ActorInfo d = state(a);
    assertThat(d.getState()).isEqualTo(ActorInfo.State.DEAD);
    assertThat(d.getNumRestarts()).isZero();
    assertThat(d.getDeathCause().getCause().getMessage()).isEqualTo("no way");
  }

  @Test
  void ownerDeathAndJobEndKillNonDetachedActorsOnlyAndOutOfScopeSparesDetachedOnes() throws Exception {
    ActorInfo owned = actor(null, false, 3);
    ActorInfo detached = actor("keeper", true, 3);
    alive(owned, ByteString.copyFrom(WorkerId.random().bytes()));
    alive(detached, ByteString.copyFrom(WorkerId.random().bytes()));
    on(() -> actors.kill(detached.getActorId(), true, "", true, false));
    assertThat(state(detached).getState()).as("a detached actor does not go out of scope")
        .isEqualTo(ActorInfo.State.ALIVE);
    on(() -> {
      actors.workerDied(OWNER, "driver exited");
      return null;
    });
    assertThat(state(owned).getState()).isEqualTo(ActorInfo.State.DEAD);
    assertThat(state(owned).getDeathCause().getMessage()).contains("owner");
    on(() -> {
      actors.jobFinished(JOB);
      return null;
    });
    assertThat(state(detached).getState()).isEqualTo(ActorInfo.State.ALIVE);
  }

  @Test
  void aRestartedGcsKeepsActorsAndLiveNames() throws Exception {
    ActorInfo a = actor("survivor", true, 0);
    alive(a, ByteString.copyFrom(WorkerId.random().bytes()));
    loop.close();
    storage.close();
    loop = new EventLoop("gcs-loop");
    storage = new GcsStorage(dir);
    actors = on(this::manager);
    assertThat(on(() -> actors.table().named("survivor")).getState()).isEqualTo(ActorInfo.State.ALIVE);
  }
}
