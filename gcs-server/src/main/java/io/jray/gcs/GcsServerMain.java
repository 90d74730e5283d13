package io.jray.gcs;

import io.grpc.Server;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.config.JRayConfig;
import io.jray.common.grpc.Rpc;
import io.jray.common.process.MainArgs;
import io.jray.common.process.ReadyFile;
import io.jray.common.session.LogSetup;
import io.jray.common.session.SessionDir;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The GCS server process: {@code --port P --session-dir DIR [--ready-file F] [--storage-dir S]}.
 * The cluster token comes from {@code JRAY_AUTH_TOKEN} or the session's token file.
 *
 * <p>Threads: {@code gcs-loop} owns every table, the publisher and the health checker; gRPC
 * handlers run on netty threads and only hop onto it, except package uploads and downloads
 * ({@link PackageStore}), which write and read RocksDB on the netty threads.
 */
public final class GcsServerMain {
  private static final Logger LOG = LoggerFactory.getLogger(GcsServerMain.class);

  private GcsServerMain() {}

  public static void main(String[] argv) throws Exception {
    MainArgs args = MainArgs.parse(argv);
    SessionDir session = SessionDir.open(Path.of(args.required("session-dir")));
    LogSetup.toFile(session.logFile("gcs"));
    int port = Integer.parseInt(args.get("port", JRayConfig.get(JRayConfig.GCS_PORT)));
    String token = session.clusterToken();
    Path storageDir = Path.of(args.get("storage-dir", session.path().resolve("gcs-storage").toString()));

    EventLoop loop = new EventLoop("gcs-loop");
    GcsStorage storage = new GcsStorage(storageDir);
    CompletableFuture<GcsRpcService> built = new CompletableFuture<>();
    loop.execute(() -> {
      Publisher publisher = new Publisher();
      ResourceView resources = new ResourceView(publisher);
      NodeTable nodes = new NodeTable(storage, publisher, resources::nodeDead);
      JobTable jobs = new JobTable(storage, publisher);
      HealthChecker health = new HealthChecker(loop, nodes, token,
          JRayConfig.getLong(JRayConfig.HEALTH_PERIOD_MS), JRayConfig.getLong(JRayConfig.HEALTH_TIMEOUT_MS),
          JRayConfig.getInt(JRayConfig.HEALTH_FAILURE_THRESHOLD));
      built.complete(new GcsRpcService(loop, nodes, jobs, new InternalKv(storage), publisher, health, resources,
          new PackageStore(storage, JRayConfig.getLong(JRayConfig.JOB_CODE_MAX_BYTES))));
    });
    Server server = Rpc.startServer("0.0.0.0", port, token, null, built.get(30, TimeUnit.SECONDS));
    LOG.info("GCS serving on port {} (session {}, storage {})", server.getPort(), session, storageDir);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("GCS stopping");
      server.shutdownNow();
      loop.execute(storage::close);
      loop.close();
    }, "gcs-shutdown"));
    if (args.has("ready-file")) {
      Map<String, String> ready = new LinkedHashMap<>();
      ready.put("port", Integer.toString(server.getPort()));
      ready.put("pid", Long.toString(ProcessHandle.current().pid()));
      ReadyFile.write(Path.of(args.required("ready-file")), ready);
    }
    server.awaitTermination();
  }
}
