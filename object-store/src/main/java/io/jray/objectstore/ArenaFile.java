package io.jray.objectstore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The object store's shared memory: one file (under /dev/shm by default) mapped with
 * {@code FileChannel.map(..., Arena)} as a {@link MemorySegment}, so there is no 2 GiB limit. The
 * raylet creates it; every worker of the node maps the same file and reads and writes objects in
 * place.
 */
public final class ArenaFile implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ArenaFile.class);
  public static final String PREFIX = "jray-arena-";

  private final Path path;
  private final long size;
  private final Arena arena;
  private final MemorySegment segment;
  private final boolean owner;

  private ArenaFile(Path path, long size, boolean create) {
    this.path = path;
    this.size = size;
    this.owner = create;
    try (FileChannel ch = create
        ? FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE)
        : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      if (create) {
        ch.truncate(size);
        ch.position(size - 1);
        ch.write(java.nio.ByteBuffer.wrap(new byte[1]));
      } else if (ch.size() < size) {
        throw new IllegalStateException("arena " + path + " is " + ch.size() + " bytes, expected " + size);
      }
      this.arena = Arena.ofShared();
      this.segment = ch.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot " + (create ? "create" : "map") + " the object store arena " + path
          + " (" + size + " bytes): " + e.getMessage(), e);
    }
  }

  /** Creates and maps a new arena file for the raylet with this pid; removes stale ones first. */
  public static ArenaFile create(Path dir, String nodeHex, long size) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create object store directory " + dir, e);
    }
    removeStale(dir);
    Path p = dir.resolve(PREFIX + ProcessHandle.current().pid() + "-" + nodeHex.substring(0, 8));
    return new ArenaFile(p, size, true);
  }

  /** Maps the arena a raylet created (workers and drivers do this). */
  public static ArenaFile open(Path path, long size) {
    return new ArenaFile(path, size, false);
  }

  /** Arena files whose raylet (the pid in the name) is gone: left by a kill -9, never reused. */
  public static void removeStale(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().startsWith(PREFIX)).toList()) {
        String rest = f.getFileName().toString().substring(PREFIX.length());
        int dash = rest.indexOf('-');
        try {
          long pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
          if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            Files.deleteIfExists(f);
            LOG.info("removed stale object store arena {} (raylet pid {} is gone)", f, pid);
          }
        } catch (NumberFormatException | IOException e) {
          LOG.debug("leaving {}: {}", f, e.toString());
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot scan {} for stale arenas: {}", dir, e.toString());
    }
  }

  public Path path() {
    return path;
  }

  public long size() {
    return size;
  }

  public MemorySegment segment() {
    return segment;
  }

  /** Unmaps; the creator also removes the file. */
  @Override
  public void close() {
    try {
      arena.close();
    } catch (IllegalStateException e) {
      LOG.debug("arena {} still in use at close: {}", path, e.toString());
    }
    if (owner) {
      try {
        Files.deleteIfExists(path);
      } catch (IOException e) {
        LOG.warn("cannot remove arena {}: {}", path, e.toString());
      }
    }
  }
}
