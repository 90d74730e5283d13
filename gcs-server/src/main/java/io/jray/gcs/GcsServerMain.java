package io.jray.gcs;

import io.jray.common.config.JRayConfig;
import io.jray.common.process.MainArgs;
import io.jray.common.process.ReadyFile;
import io.jray.common.session.LogSetup;
import io.jray.common.session.SessionDir;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The GCS server process: {@code --port P --session-dir DIR [--ready-file F] [--storage-dir S]}.
 * The cluster token comes from {@code JRAY_AUTH_TOKEN} or the session's token file.
 *
 * <p>Threads: {@code gcs-loop} owns every table, the publisher and the health checker, and runs
 * their RocksDB calls ({@link GcsServer}); gRPC handlers run on netty threads and only hop onto
 * it, except package uploads and downloads ({@link PackageStore}), which write and read RocksDB on
 * the netty threads. {@code gcs-shutdown} (the shutdown hook) stops the server and closes storage.
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

    GcsServer gcs = GcsServer.start("0.0.0.0", port, storageDir, token, GcsServer.Settings.fromConfig());
    LOG.info("GCS serving on port {} (session {}, storage {})", gcs.port(), session, storageDir);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("GCS stopping");
      try {
        gcs.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "gcs-shutdown"));
    if (args.has("ready-file")) {
      Map<String, String> ready = new LinkedHashMap<>();
      ready.put("port", Integer.toString(gcs.port()));
      ready.put("pid", Long.toString(ProcessHandle.current().pid()));
      ReadyFile.write(Path.of(args.required("ready-file")), ready);
    }
    gcs.awaitTermination();
  }
}
