package io.jray.raylet;

import io.jray.common.concurrent.EventLoop;
import io.jray.common.config.JRayConfig;
import io.jray.common.session.SessionDir;
import io.jray.objectstore.ArenaFile;
import io.jray.objectstore.ObjectPuller;
import io.jray.objectstore.ObjectStore;
import io.jray.proto.StoreInfo;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's object store: the arena file, the store and the {@code store-loop} it lives on, and
 * what workers need to map it. Sizes default as Ray's do (30% of RAM), capped by /dev/shm.
 */
final class NodeStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeStore.class);
  final EventLoop loop = new EventLoop("store-loop");
  final ObjectStore store;
  final StoreInfo info;
  /** Pulls objects from other nodes; set once at start, before any request arrives. */
  volatile ObjectPuller puller;

  NodeStore(String nodeHex, long requestedBytes, Path dir, Path spillDir) {
    long size = requestedBytes > 0 ? requestedBytes : defaultSize(dir);
    if (requestedBytes > 0) {
      checkRoom(dir, size);
    }
    ArenaFile arena = ArenaFile.create(dir, nodeHex, size);
    store = new ObjectStore(loop, arena, spillDir, JRayConfig.getDouble(JRayConfig.SPILL_THRESHOLD));
    info = StoreInfo.newBuilder().setArenaPath(arena.path().toString()).setCapacity(size)
        .setInlineThreshold(JRayConfig.getLong(JRayConfig.INLINE_THRESHOLD)).build();
    LOG.info("object store of node {}: {} bytes in {}, spilling to {}", nodeHex, size, arena.path(), spillDir);
  }

  static Path spillDirFor(SessionDir session, String nodeHex) {
    String configured = JRayConfig.get(JRayConfig.SPILL_DIR);
    return configured.isBlank() ? session.path().resolve("spill").resolve(nodeHex) : Path.of(configured, nodeHex);
  }

  /**
   * The arena is a sparse file: made larger than the free space of its directory, it would map
   * fine and the node would die of SIGBUS the first time a put touched a page past the free
   * space. So it fails here, at start, naming what to change.
   */
  static void checkRoom(Path dir, long size) {
    long free;
    try {
      free = Files.getFileStore(Files.createDirectories(dir)).getUsableSpace();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the free space of the object store directory " + dir + ": " + e, e);
    }
    if (free < size) {
      throw new IllegalStateException("the object store needs " + size + " bytes (--object-store-memory) but "
          + dir + " has only " + free + " bytes free: lower --object-store-memory, free space there, or use another"
          + " directory (--object-store-dir)");
    }
  }

  private static long defaultSize(Path dir) {
    long ram = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getTotalMemorySize();
    long size = (long) (ram * 0.3);
    try {
      FileStore fs = Files.getFileStore(Files.createDirectories(dir));
      size = Math.min(size, (long) (fs.getUsableSpace() * 0.8));
    } catch (IOException e) {
      LOG.warn("cannot read free space of {}: {}", dir, e.toString());
    }
    return Math.max(64L << 20, size / 4096 * 4096);
  }

  @Override
  public void close() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    loop.execute(() -> {
      store.close();
      done.complete(null);
    });
    try {
      done.get(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("object store did not close cleanly: {}", e.toString());
    }
    loop.close();
  }
}
