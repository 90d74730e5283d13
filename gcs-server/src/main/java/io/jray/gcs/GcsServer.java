package io.jray.gcs;

import io.jray.api.WorkerId;
import io.jray.common.grpc.ChannelPool;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.Address;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.jray.common.metrics.MetricsServer;
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
      int workerDeathsMax, long restartGraceMs, GcsStorage.Sync sync) {
    Settings(long healthPeriodMs, long healthTimeoutMs, int healthThreshold, long jobCodeMaxBytes, int workerDeathsMax) {
      this(healthPeriodMs, healthTimeoutMs, healthThreshold, jobCodeMaxBytes, workerDeathsMax,
          JRayConfig.getLong(JRayConfig.GCS_RESTART_GRACE_MS), GcsStorage.Sync.fromConfig());
    }

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
  private final MetricsServer http;

  private GcsServer(EventLoop loop, GcsStorage storage, Server server, EventLoop taskEventsLoop, MetricsServer http) {
    this.loop = loop;
    this.storage = storage;
    this.server = server;
    this.taskEventsLoop = taskEventsLoop;
    this.http = http;
  }

  /** What {@code gcs-loop} built: the service and the tables the HTTP side reads. */
  private record Built(GcsRpcService service, NodeTable nodes, JobTable jobs, ActorTable actors, ChannelPool channels,
      Incarnation incarnation) {}

  /** Opens the storage, loads every table and serves on {@code host:port} (port 0: any free one). */
  static GcsServer start(String host, int port, Path storageDir, String token, Settings settings) throws Exception {
    EventLoop loop = new EventLoop("gcs-loop");
    GcsStorage storage;
    try {
      storage = new GcsStorage(storageDir, settings.sync());
    } catch (RuntimeException e) {
      loop.close();
      throw e;
    }
    try {
      CompletableFuture<Built> built = new CompletableFuture<>();
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
          Incarnation incarnation = new Incarnation(storage, nodes, settings.restartGraceMs(),
              System::currentTimeMillis);
          ActorTable actorTable = new ActorTable(storage);
          // GCS holds actors' leases: raylets know the holder by this id, which never dies
          Address self = Address.newBuilder().setWorkerId(ProtoIds.bytes(WorkerId.random())).build();
          actors[0] = new ActorManager(actorTable, new ActorScheduler(loop, channels, nodes, resources, self,
              actorTable::get), channels);
          actors[0].resume();
          HealthChecker health = new HealthChecker(loop, nodes, token, settings.healthPeriodMs(),
              settings.healthTimeoutMs(), settings.healthThreshold(), incarnation::holdsVerdicts);
          built.complete(new Built(new GcsRpcService(loop, nodes, jobs, new InternalKv(storage),
              new WorkerDeathTable(storage, settings.workerDeathsMax()), publisher, health, resources,
              new PackageStore(storage, settings.jobCodeMaxBytes()), actors[0], incarnation,
              3 * settings.restartGraceMs()), nodes, jobs, actorTable, channels, incarnation));
        } catch (RuntimeException e) {
          built.completeExceptionally(e);
        }
      });
      Built b;
      try {
        b = built.get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        throw e.getCause() instanceof Exception c ? c : e;
      }
      // task events have a loop of their own: their volume must not slow the control plane
      EventLoop eventsLoop = new EventLoop("task-events");
      MetricsServer http = null;
      try {
        TaskEventStore events = new TaskEventStore(JRayConfig.getInt(JRayConfig.GCS_TASK_EVENTS_MAX));
        TaskEventRpcService taskEvents = new TaskEventRpcService(eventsLoop, events);
        GcsMetrics.publish(loop, b.nodes(), b.jobs(), b.actors(), eventsLoop, events);
        GcsMetrics.Timing timing = new GcsMetrics.Timing();
        GcsRpcService service = b.service();
        Server server = Rpc.startServer(host, port, token, null,
            () -> ServerInterceptors.intercept(service, timing), taskEvents);
        // the HTTP side is for looking: a node whose dashboard port is taken still serves gRPC
        http = MetricsServer.startOrAnyPort(JRayConfig.get(JRayConfig.DASHBOARD_HOST),
            JRayConfig.getInt(JRayConfig.DASHBOARD_PORT), token, "GCS");
        if (http != null) {
          PrometheusDiscovery discovery = new PrometheusDiscovery(loop, b.nodes(), b.channels(), http.port());
          http.route("/api/prometheus_sd", discovery::handle);
          new DashboardApi(loop, b.nodes(), b.jobs(), b.actors(), eventsLoop, events, b.channels(), b.incarnation())
              .routeOn(http);
          new DashboardPage().routeOn(http);
          service.httpPort(http.port());
        }
        return new GcsServer(loop, storage, server, eventsLoop, http);
      } catch (Exception | Error e) {
        if (http != null) {
          http.close();
        }
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

  /** The HTTP server's port (metrics, {@code /api/}), 0 when it has none. */
  int httpPort() {
    return http == null ? 0 : http.port();
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
    if (http != null) {
      http.close();
    }
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
