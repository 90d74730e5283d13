package io.jray.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.testcontainers.DockerClientFactory;

/**
 * The JRay image for the container tests, built (or reused) the way users get it: through
 * {@code docker/build-image.sh}. A class that needs it calls {@link #ensure()} first, which skips
 * the class, saying why, when no Docker engine answers ({@code .ci/run} starts one, so in CI these
 * tests run).
 */
final class DockerImage {
  static final String NAME = "jray/jray:0.1.0";
  /** The repository: failsafe runs in the driver module's directory. */
  static final Path ROOT = Path.of(System.getProperty("user.dir")).resolve("..").normalize();
  private static boolean built;

  private DockerImage() {}

  static synchronized void ensure() throws IOException, InterruptedException {
    boolean engine;
    String why = "";
    try {
      engine = DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException e) {
      engine = false;
      why = ": " + e;
    }
    if (!engine) {
      String msg = "SKIPPED: no Docker engine answers" + why + ". The container tests need one: .ci/run"
          + " installs Debian's docker.io and starts dockerd when 'docker info' fails; by hand: apt-get install"
          + " docker.io docker-compose && dockerd > /tmp/dockerd.log 2>&1 &";
      System.err.println(msg);
      assumeTrue(false, msg);
    }
    if (built) {
      return;
    }
    Path log = ROOT.resolve("driver/target/docker-it/build-image.log");
    Files.createDirectories(log.getParent());
    Process p = new ProcessBuilder(List.of(ROOT.resolve("docker/build-image.sh").toString())).directory(ROOT.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    // the first build on a machine includes debootstrap and jlink: a few minutes
    if (!p.waitFor(15, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("docker/build-image.sh took over 15 minutes; see " + log);
    }
    if (p.exitValue() != 0) {
      throw new AssertionError("docker/build-image.sh exited " + p.exitValue() + ":\n" + Files.readString(log));
    }
    System.err.println("DockerImage: " + Files.readString(log).strip());
    built = true;
  }
}
