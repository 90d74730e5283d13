package io.jray.common.process;

import io.jray.common.session.SessionDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The pids of the processes a session started, one file each, so {@code jray stop} stops exactly
 * those. A pid is only trusted while its command line still names a JRay main class: pids get
 * reused.
 */
public final class PidFiles {
  private PidFiles() {}

  public static void write(SessionDir session, String name, long pid) {
    try {
      Files.createDirectories(session.pids());
      Files.writeString(session.pids().resolve(name + ".pid"), Long.toString(pid));
    } catch (IOException e) {
      throw new IllegalStateException("cannot write pid file for " + name + ": " + e.getMessage(), e);
    }
  }

  public static void remove(SessionDir session, String name) {
    try {
      Files.deleteIfExists(session.pids().resolve(name + ".pid"));
    } catch (IOException ignored) {
      // a stale pid file is checked against the command line before use
    }
  }

  /** The pid recorded under {@code name}, if its file is there and readable. */
  public static java.util.OptionalLong pid(SessionDir session, String name) {
    try {
      return java.util.OptionalLong.of(Long.parseLong(Files.readString(session.pids().resolve(name + ".pid")).trim()));
    } catch (IOException | NumberFormatException e) {
      return java.util.OptionalLong.empty();
    }
  }

  /** Live JRay processes recorded in this session. */
  public static List<ProcessHandle> live(SessionDir session) {
    List<ProcessHandle> out = new ArrayList<>();
    if (!Files.isDirectory(session.pids())) {
      return out;
    }
    try (Stream<Path> files = Files.list(session.pids())) {
      for (Path f : files.filter(p -> p.toString().endsWith(".pid")).toList()) {
        try {
          long pid = Long.parseLong(Files.readString(f).trim());
          Optional<ProcessHandle> h = ProcessHandle.of(pid);
          if (h.isPresent() && h.get().isAlive() && isJRay(h.get())) {
            out.add(h.get());
          }
        } catch (IOException | NumberFormatException ignored) {
          // unreadable pid file: nothing of ours to stop
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list " + session.pids(), e);
    }
    return out;
  }

  public static boolean isJRay(ProcessHandle h) {
    return commandLine(h).contains("io.jray.");
  }

  /**
   * The full command line. Read from /proc where it exists: {@code ProcessHandle.Info} comes back
   * empty for our JVMs, whose class paths make command lines of many kilobytes.
   */
  public static String commandLine(ProcessHandle h) {
    Path proc = Path.of("/proc", Long.toString(h.pid()), "cmdline");
    try {
      if (Files.exists(proc)) {
        return new String(Files.readAllBytes(proc), java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ');
      }
    } catch (IOException e) {
      // gone meanwhile, or not ours to read: fall back below
    }
    return h.info().commandLine().orElse("");
  }
}
