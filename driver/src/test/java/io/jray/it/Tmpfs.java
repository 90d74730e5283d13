package io.jray.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A small tmpfs the test mounts itself (root only), for a directory that runs out of room: a
 * spill directory or an object-store directory. {@link #problem} says why it could not be
 * mounted (the test then skips, naming it); {@link #unmount} removes it whatever happened.
 */
final class Tmpfs {
  private final Path dir;
  private final String problem;

  private Tmpfs(Path dir, String problem) {
    this.dir = dir;
    this.problem = problem;
  }

  /** Mounts a tmpfs of {@code size} (as mount's {@code size=} takes it, e.g. "32m") on a new directory. */
  static Tmpfs mount(String size) {
    try {
      Path dir = Files.createTempDirectory("jray-it-tmpfs-");
      String out = run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString());
      return new Tmpfs(dir, out);
    } catch (IOException | InterruptedException e) {
      return new Tmpfs(null, e.toString());
    }
  }

  Path dir() {
    return dir;
  }

  /** Null when mounted; otherwise why not (not root, no mount permission in a container). */
  String problem() {
    return problem;
  }

  /** Lazily (a raylet may still hold a file open there), then removes the directory. */
  void unmount() {
    if (dir == null) {
      return;
    }
    try {
      if (problem == null) {
        run("umount", "-l", dir.toString());
      }
      Files.deleteIfExists(dir);
    } catch (IOException | InterruptedException e) {
      System.err.println("could not remove the test's tmpfs " + dir + ": " + e);
    }
  }

  /** Null when the command succeeded, else its exit code and output. */
  private static String run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return String.join(" ", cmd) + " did not finish";
    }
    return p.exitValue() == 0 ? null : String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out.strip();
  }
}
