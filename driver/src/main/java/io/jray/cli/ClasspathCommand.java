package io.jray.cli;

import picocli.CommandLine.Command;

/** Prints the class path a driver needs: {@code java -cp "$(jray classpath):app.jar" Main}. */
@Command(name = "classpath", mixinStandardHelpOptions = true, description = "Print the class path a driver program needs.")
final class ClasspathCommand implements Runnable {
  @Override
  public void run() {
    System.out.println(System.getProperty("java.class.path"));
  }
}
