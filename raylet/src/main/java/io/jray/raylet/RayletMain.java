package io.jray.raylet;

import io.jray.common.config.JRayConfig;
import io.jray.common.process.MainArgs;
import io.jray.common.process.ReadyFile;
import io.jray.common.process.ResourceSpec;
import io.jray.common.session.LogSetup;
import io.jray.common.session.SessionDir;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The raylet process, one per node: {@code --gcs-address H:P --session-dir DIR [--name N]
 * [--num-cpus N] [--resources JSON] [--host IP] [--port P] [--ready-file F] [--head]
 * [--object-store-memory BYTES] [--object-store-dir DIR] [--spill-dir DIR]}. Parses them, starts a
 * {@link Raylet} and stops it from a shutdown hook ({@code raylet-shutdown}); the main thread then
 * waits for the gRPC server to end. The raylet's threads are described on {@link Raylet}.
 */
public final class RayletMain {
  private RayletMain() {}

  public static void main(String[] argv) throws Exception {
    MainArgs args = MainArgs.parse(argv);
    SessionDir session = SessionDir.open(Path.of(args.required("session-dir")));
    String name = args.get("name", "raylet");
    LogSetup.toFile(session.logFile(name));
    double cpus = Double.parseDouble(args.get("num-cpus", Integer.toString(Runtime.getRuntime().availableProcessors())));
    if (!Double.isFinite(cpus) || cpus < 0) {
      throw new IllegalArgumentException("--num-cpus must be finite and >= 0, got " + cpus);
    }
    Map<String, Double> resources = new LinkedHashMap<>();
    resources.put("CPU", cpus);
    resources.putAll(ResourceSpec.parse(args.get("resources", "")));
    String gcsAddress = args.required("gcs-address");
    long storeBytes = Long.parseLong(args.get("object-store-memory",
        Long.toString(JRayConfig.getLong(JRayConfig.OBJECT_STORE_MEMORY))));
    Path storeDir = Path.of(args.get("object-store-dir", JRayConfig.get(JRayConfig.OBJECT_STORE_DIR)));
    // the spill directory's default names the node, and the node id is the raylet's to choose
    Path spillDir = args.has("spill-dir") ? Path.of(args.required("spill-dir")) : null;

    Raylet raylet = new Raylet(new Raylet.Options(name, session, args.get("host", "127.0.0.1"),
        Integer.parseInt(args.get("port", "0")), cpus, resources, gcsAddress, args.has("head"), storeBytes, storeDir,
        spillDir));
    raylet.start();
    Runtime.getRuntime().addShutdownHook(new Thread(raylet::stop, "raylet-shutdown"));
    if (args.has("ready-file")) {
      Map<String, String> ready = new LinkedHashMap<>();
      ready.put("port", Integer.toString(raylet.port()));
      ready.put("node_id", raylet.nodeId().hex());
      ready.put("pid", Long.toString(ProcessHandle.current().pid()));
      ready.put("arena", raylet.arenaPath());
      ReadyFile.write(Path.of(args.required("ready-file")), ready);
    }
    raylet.awaitTermination();
  }
}
