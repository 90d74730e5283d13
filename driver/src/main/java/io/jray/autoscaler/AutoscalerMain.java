package io.jray.autoscaler;

import io.jray.common.config.JRayConfig;
import io.jray.common.gcs.GcsClient;
import io.jray.common.process.MainArgs;
import io.jray.common.process.ReadyFile;
import io.jray.common.session.LogSetup;
import io.jray.common.session.SessionDir;
import java.nio.file.Path;
import java.util.Map;

/**
 * The autoscaler process a head node starts ({@code jray start --head --autoscaling-config FILE}):
 * {@code --config FILE --gcs-address H:P --session-dir DIR [--ready-file F]}. A process of its own
 * beside GCS, as Ray's monitor is: a provider call that hangs or a crash here never stops GCS, GCS
 * needs neither YAML nor Docker, and the GCS supervisor's restarts leave it running (it
 * reconnects). Its log is {@code logs/autoscaler.log}; threads are described on {@link Autoscaler}.
 */
public final class AutoscalerMain {
  public static final String NAME = "autoscaler";

  private AutoscalerMain() {}

  public static void main(String[] argv) throws Exception {
    MainArgs args = MainArgs.parse(argv);
    SessionDir session = SessionDir.open(Path.of(args.required("session-dir")));
    LogSetup.toFile(session.logFile(NAME));
    AutoscalingConfig config = AutoscalingConfigFile.read(Path.of(args.required("config")));
    String gcsAddress = args.required("gcs-address");
    GcsClient gcs = new GcsClient(gcsAddress, session.token());
    Autoscaler autoscaler = new Autoscaler(config, provider(config, session, gcsAddress),
        gcs, JRayConfig.getLong(JRayConfig.AUTOSCALER_UPDATE_INTERVAL_MS),
        JRayConfig.getLong(JRayConfig.AUTOSCALER_LAUNCH_TIMEOUT_MS));
    autoscaler.start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      autoscaler.close();
      gcs.close();
    }, "autoscaler-shutdown"));
    if (args.has("ready-file")) {
      ReadyFile.write(Path.of(args.required("ready-file")), Map.of("pid", Long.toString(ProcessHandle.current().pid()),
          "port", "0"));
    }
    Thread.currentThread().join();
  }

  /** The configured provider for this session's cluster. */
  public static NodeProvider provider(AutoscalingConfig config, SessionDir session, String gcsAddress) {
    return switch (config.provider().type()) {
      case ProviderConfig.DOCKER -> new DockerNodeProvider(new DockerCommands(config.provider(), config.clusterName(),
          gcsAddress), session.token());
      default -> new LocalNodeProvider(session, gcsAddress);
    };
  }
}
