package io.jray.common.session;

import io.jray.common.config.JRayConfig;
import io.jray.common.grpc.TlsConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/**
 * A cluster's session directory (DESIGN §8): {@code logs/} with one file per process, the token
 * (0600), the GCS address, pid files of the processes {@code jray start} launched, and ready files
 * through which a process tells its launcher its port.
 */
public final class SessionDir {
  public static final String LATEST = "session_latest";
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd_HH-mm-ss_SSS");

  private final Path path;

  private SessionDir(Path path) {
    this.path = path;
  }

  /** Makes a new session directory under {@code root} and a token file in it. */
  public static SessionDir create(Path root, String token, boolean markLatest) {
    try {
      Files.createDirectories(root);
      Path dir = root.resolve("session_" + LocalDateTime.now().format(STAMP) + "_" + ProcessHandle.current().pid());
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Files.createDirectories(dir.resolve("logs"));
      Files.createDirectories(dir.resolve("pids"));
      SessionDir s = new SessionDir(dir);
      s.writePrivate("token", token);
      if (markLatest) {
        Path link = root.resolve(LATEST);
        Path tmp = root.resolve(LATEST + ".tmp" + ProcessHandle.current().pid());
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, dir);
        Files.move(tmp, link, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a session directory under " + root + ": " + e.getMessage(), e);
    }
  }

  public static SessionDir open(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("no session directory at " + dir);
    }
    return new SessionDir(dir);
  }

  /** The session that {@code jray start} made last on this machine, if any. */
  public static Optional<SessionDir> latest() {
    Path link = Path.of(JRayConfig.get(JRayConfig.SESSION_ROOT)).resolve(LATEST);
    if (!Files.exists(link)) {
      return Optional.empty();
    }
    try {
      return Optional.of(new SessionDir(link.toRealPath()));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  public Path path() {
    return path;
  }

  public Path logs() {
    return path.resolve("logs");
  }

  public Path pids() {
    return path.resolve("pids");
  }

  public Path logFile(String processName) {
    return logs().resolve(processName + ".log");
  }

  public String token() {
    return read("token").orElseThrow(() -> new IllegalStateException("session " + path + " has no token file"));
  }

  /**
   * The token this session's processes use: {@code JRAY_AUTH_TOKEN} (or {@code -Djray.auth.token})
   * when set, as launchers pass it; else the session's token file.
   */
  public String clusterToken() {
    String t = JRayConfig.get(JRayConfig.AUTH_TOKEN);
    return t.isBlank() ? token() : t;
  }

  public Optional<String> gcsAddress() {
    return read("gcs_address");
  }

  public void writeGcsAddress(String address) {
    write("gcs_address", address);
  }

  /** The TLS files the session's processes were started with, if any (paths only: no secret is copied). */
  public Optional<TlsConfig> tls() {
    return read("tls").map(text -> {
      java.util.Map<String, Path> files = new java.util.HashMap<>();
      for (String line : text.split("\n")) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          files.put(line.substring(0, eq).trim(), Path.of(line.substring(eq + 1).trim()));
        }
      }
      return new TlsConfig(files.get("cert"), files.get("key"), files.get("ca"));
    });
  }

  public void writeTls(TlsConfig tls) {
    if (tls.enabled()) {
      write("tls", "cert=" + tls.cert() + "\nkey=" + tls.key() + (tls.mutual() ? "\nca=" + tls.ca() : "") + "\n");
    }
  }

  public Optional<String> read(String name) {
    Path f = path.resolve(name);
    try {
      return Files.exists(f, LinkOption.NOFOLLOW_LINKS)
          ? Optional.of(Files.readString(f, StandardCharsets.UTF_8).trim()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Writes atomically, so a reader never sees half a file. */
  public void write(String name, String content) {
    try {
      Path tmp = path.resolve(name + ".tmp");
      Files.writeString(tmp, content, StandardCharsets.UTF_8);
      Files.move(tmp, path.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void writePrivate(String name, String content) throws IOException {
    Path f = path.resolve(name);
    Files.deleteIfExists(f);
    Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(f, content, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
  }

  @Override
  public String toString() {
    return path.toString();
  }
}
