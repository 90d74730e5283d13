package io.jray.gcs;

import io.jray.api.WorkerId;
import io.jray.common.grpc.ChannelPool;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.Address;

import io.grpc.Server;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.config.JRayConfig;
import io.jray.common.grpc.Rpc;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One running GCS: its storage, its tables on {@code gcs-loop} and its gRPC server. The process
 * main starts one; tests start one in their own JVM on an ephemeral port, stop it and start it
 * again over the same storage, as a restarted GCS would.
 *
 * <p>Threads: {@code gcs-loop} builds and owns every table, the publisher and the health checker,
 * and runs their RocksDB calls; {@link #close} closes the storage on it, after the last handler
 * that could touch it has been given to it.
 */
final class GcsServer implements AutoCloseable {
  /** What a GCS is started with besides its port and storage. */
  record Settings(long healthPeriodMs, long healthTimeoutMs, int healthThreshold, long jobCodeMaxBytes,
      int workerDeathsMax) {
    static Settings fromConfig() {
      return new Settings(JRayConfig.getLong(JRayConfig.HEALTH_PERIOD_MS), JRayConfig.getLong(JRayConfig.HEALTH_TIMEOUT_MS),
          JRayConfig.getInt(JRayConfig.HEALTH_FAILURE_THRESHOLD), JRayConfig.getLong(JRayConfig.JOB_CODE_MAX_BYTES),
          JRayConfig.getInt(JRayConfig.GCS_WORKER_DEATHS_MAX));
    }
  }

  private final EventLoop loop;
  private final GcsStorage storage;
  private final Server server;
  private final EventLoop taskEventsLoop;

  private GcsServer(EventLoop loop, GcsStorage storage, Server server, EventLoop taskEventsLoop) {
    this.loop = loop;
    this.storage = storage;
    this.server = server;
    this.taskEventsLoop = taskEventsLoop;
  }

  /** Opens the storage, loads every table and serves on {@code host:port} (port 0: any free one). */
  static GcsServer start(String host, int port, Path storageDir, String token, Settings settings) throws Exception {
    EventLoop loop = new EventLoop("gcs-loop");
    GcsStorage storage;
    try {
      storage = new GcsStorage(storageDir);
    } catch (RuntimeException e) {
      loop.close();
      throw e;
    }
    try {
      CompletableFuture<GcsRpcService> built = new CompletableFuture<>();
      loop.execute(() -> {
        try {
          Publisher publisher = new Publisher();
          ResourceView resources = new ResourceView(publisher);
          ChannelPool channels = new ChannelPool(token);
          ActorManager[] actors = new ActorManager[1];
          NodeTable nodes = new NodeTable(storage, publisher, (id, why) -> {
            resources.nodeDead(id);
            actors[0].nodeDied(id, why);
          });
          JobTable jobs = new JobTable(storage, publisher);
          ActorTable actorTable = new ActorTable(storage);
          // GCS holds actors' leases: raylets know the holder by this id, which never dies
          Address self = Address.newBuilder().setWorkerId(ProtoIds.bytes(WorkerId.random())).build();
          actors[0] = new ActorManager(actorTable, new ActorScheduler(loop, channels, nodes, resources, self,
              actorTable::get), channels);
          actors[0].resume();
          HealthChecker health = new HealthChecker(loop, nodes, token, settings.healthPeriodMs(),
              settings.healthTimeoutMs(), settings.healthThreshold());
          built.complete(new GcsRpcService(loop, nodes, jobs, new InternalKv(storage),
              new WorkerDeathTable(storage, settings.workerDeathsMax()), publisher, health, resources,
              new PackageStore(storage, settings.jobCodeMaxBytes()), actors[0]));
        } catch (RuntimeException e) {
          built.completeExceptionally(e);
        }
      });
      GcsRpcService service;
      try {
        service = built.get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        throw e.getCause() instanceof Exception c ? c : e;
      }
      // task events have a loop of their own: their volume must not slow the control plane
      EventLoop eventsLoop = new EventLoop("task-events");
      try {
        TaskEventRpcService taskEvents = new TaskEventRpcService(eventsLoop, new TaskEventStore(
            JRayConfig.getInt(JRayConfig.GCS_TASK_EVENTS_MAX)));
        return new GcsServer(loop, storage, Rpc.startServer(host, port, token, null, service, taskEvents), eventsLoop);
      } catch (Exception | Error e) {
        eventsLoop.close();
        throw e;
      }
    } catch (Exception | Error e) {
      closeStorage(loop, storage);
      throw e;
    }
  }

  int port() {
    return server.getPort();
  }

  Path storageDir() {
    return storage.dir();
  }

  void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  /** Stops serving, then closes the storage on the loop (handlers still queued there run first). */
  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(10, TimeUnit.SECONDS);
    taskEventsLoop.close();
    closeStorage(loop, storage);
  }

  private static void closeStorage(EventLoop loop, GcsStorage storage) {
    CompletableFuture<Void> closed = new CompletableFuture<>();
    loop.execute(() -> {
      try {
        storage.close();
      } finally {
        closed.complete(null);
      }
    });
    try {
      closed.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // the loop is stuck; closing it below still lets the process exit
    }
    loop.close();
  }
}
