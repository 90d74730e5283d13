package io.jray.cli;

import io.jray.common.config.JRayConfig;
import picocli.CommandLine.Command;

/** Prints every configuration key with its environment variable and default. */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Print every configuration key, its environment variable and default.")
final class ConfigCommand implements Runnable {
  @Override
  public void run() {
    System.out.printf("%-34s %-38s %-10s %s%n", "system property", "environment variable", "default", "meaning");
    System.out.print(JRayConfig.describe());
  }
}
