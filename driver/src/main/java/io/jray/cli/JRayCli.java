package io.jray.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code jray} command line: {@code start}, {@code stop}, {@code status}, the state API
 * ({@code list}, {@code get}, {@code summary}, {@code logs}), {@code submit}, {@code up}, {@code down},
 * {@code classpath}, {@code demo}, {@code microbenchmark}, {@code config}. {@code bin/jray}
 * runs this class with the jars of {@code driver/target/lib}.
 */
@Command(name = "jray", mixinStandardHelpOptions = true, version = "JRay 0.1.0",
    description = "Start, inspect and use a JRay cluster.",
    subcommands = {StartCommand.class, StopCommand.class, StatusCommand.class, ListCommand.class, GetCommand.class,
        SummaryCommand.class, LogsCommand.class, SubmitCommand.class, UpCommand.class, DownCommand.class, ClasspathCommand.class, DemoCommand.class, MicrobenchmarkCommand.class, ConfigCommand.class})
public final class JRayCli implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs a command line and returns its exit code (tests call this in-process or as a process). */
  public static int run(String... args) {
    CommandLine cl = new CommandLine(new JRayCli());
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("jray " + cmd.getCommandName() + ": " + (e.getMessage() == null ? e : e.getMessage()));
      if (System.getenv("JRAY_DEBUG") != null) {
        e.printStackTrace(cmd.getErr());
      }
      return 1;
    });
    return cl.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
