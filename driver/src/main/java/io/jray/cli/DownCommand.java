package io.jray.cli;

import io.jray.autoscaler.AutoscalerMain;
import io.jray.autoscaler.AutoscalingConfig;
import io.jray.autoscaler.AutoscalingConfigFile;
import io.jray.common.config.JRayConfig;
import io.jray.common.process.PidFiles;
import io.jray.common.session.SessionDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jray down FILE}: stops every cluster on this machine that was started from this cluster
 * file ({@code jray up} or {@code start --head --autoscaling-config}): its autoscaler first, then the
 * nodes it launched (processes or containers, also those an autoscaler that died left), then the
 * head's processes.
 */
@Command(name = "down", mixinStandardHelpOptions = true,
    description = "Stop a cluster started from a cluster file: autoscaler, the nodes it launched, the head.")
final class DownCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "FILE", description = "the cluster file the cluster was started from")
  Path file;

  @Option(names = "--grace-seconds", defaultValue = "10",
      description = "wait this long before SIGKILL (default ${DEFAULT-VALUE})")
  int grace;

  @Override
  public Integer call() throws Exception {
    AutoscalingConfig config = AutoscalingConfigFile.read(file);
    Path root = Path.of(JRayConfig.get(JRayConfig.SESSION_ROOT));
    int stopped = 0;
    int clusters = 0;
    if (Files.isDirectory(root)) {
      try (Stream<Path> dirs = Files.list(root)) {
        for (Path d : dirs.filter(p -> p.getFileName().toString().startsWith("session_2")).toList()) {
          SessionDir session = SessionDir.open(d);
          if (!session.read(StartCommand.AUTOSCALING_CONFIG_FILE).map(config.file().toString()::equals)
              .orElse(false)) {
            continue;
          }
          List<ProcessHandle> live = PidFiles.live(session);
          List<ProcessHandle> autoscalers = live.stream()
              .filter(h -> PidFiles.commandLine(h).contains(io.jray.common.process.ClusterLauncher.AUTOSCALER_MAIN))
              .toList();
          if (live.isEmpty()) {
            continue;
          }
          clusters++;
          stopped += StopCommand.stopInOrder(autoscalers, grace);
          AutoscalerMain.provider(config, session, session.gcsAddress().orElse("127.0.0.1:0")).terminateAll();
          stopped += StopCommand.stopInOrder(PidFiles.live(session), grace);
        }
      }
    }
    System.out.println(clusters == 0 ? "No cluster started from " + config.file() + " is running here."
        : "Stopped the cluster " + config.clusterName() + " (" + stopped + " JRay process(es), and the nodes its"
            + " autoscaler launched).");
    return 0;
  }
}
