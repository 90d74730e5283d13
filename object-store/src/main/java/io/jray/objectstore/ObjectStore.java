package io.jray.objectstore;

import io.jray.api.ObjectId;
import io.jray.api.WorkerId;
import io.jray.common.concurrent.EventLoop;
import io.jray.proto.StoreStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's object store (DESIGN §6): the object table over one arena, with the allocator,
 * readers, pinning of primary copies, spilling to disk and restoring.
 *
 * <p>Protocol: {@code create} → offset, the writer copies into the arena, {@code seal}; sealed
 * objects are immutable. {@code get} waits until sealed and counts the reader until
 * {@code release}. {@code delete} (the owner freeing its object) frees the memory once no reader
 * holds it. An unsealed object whose writer dies is aborted and its memory reclaimed.
 *
 * <p>Memory pressure: above {@code spillThreshold} of the capacity, sealed primary copies that no
 * one is reading are spilled to {@code spillDir}, least recently used first, and restored by the
 * next {@code get}. A create that cannot fit even then fails with {@link StoreFullException}; no
 * other object is touched.
 *
 * <p>Threads: not thread-safe; it lives on the raylet's {@code store-loop}. Spill and restore file
 * IO runs on that loop too (it is what makes room for the request being served).
 */
public final class ObjectStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ObjectStore.class);

  /** A {@code get} waiting for its object to be sealed. */
  static final class Waiter {
    final WorkerId reader;
    final Consumer<Location> reply;
    ScheduledFuture<?> timeout;

    Waiter(WorkerId reader, Consumer<Location> reply) {
      this.reader = reader;
      this.reply = reply;
    }
  }

  /** Where a sealed object is in the arena; {@code null} as a reply means not found in time. */
  public record Location(long offset, long size) {}

  /** What {@code create} decided: write at {@code offset}, or nothing to write. */
  public record Created(long offset, boolean alreadyExists) {}

  private final EventLoop loop;
  private final ArenaFile arena;
  private final Allocator allocator;
  private final Path spillDir;
  private final long spillAbove;
  private final Map<ObjectId, StoredObject> objects = new HashMap<>();
  private final Map<ObjectId, List<Waiter>> waitingForCreate = new HashMap<>();
  private long spilledBytes;
  private long spillCount;
  private long restoreCount;
  private long restoredBytes;
  private Predicate<ObjectOwner> ownerGone = o -> false;

  public ObjectStore(EventLoop loop, ArenaFile arena, Path spillDir, double spillThreshold) {
    this.loop = loop;
    this.arena = arena;
    this.allocator = new Allocator(arena.size());
    this.spillDir = spillDir;
    this.spillAbove = (long) (allocator.capacity() * spillThreshold);
  }

  public Created create(ObjectId id, long size, WorkerId writer, boolean primary) {
    return create(id, size, writer, primary, null);
  }

  /**
   * Makes room for a new object owned by {@code owner} (null: unknown). Refuses it when the owner
   * is known dead ({@link #refuseOwners}): nobody could read or free it.
   */
  public Created create(ObjectId id, long size, WorkerId writer, boolean primary, ObjectOwner owner) {
    if (size <= 0) {
      throw new IllegalArgumentException("object size must be > 0, got " + size);
    }
    StoredObject existing = objects.get(id);
    if (existing != null) {
      if (existing.state == StoredObject.State.SEALED) {
        return new Created(-1, true);
      }
      throw new IllegalStateException("object " + id + " is being written by worker " + existing.creator);
    }
    if (owner != null && ownerGone.test(owner)) {
      throw new IllegalStateException("object " + id + " is not stored: its owner, " + owner + ", died");
    }
    StoredObject o = new StoredObject(id, size, primary, writer, owner);
    o.offset = allocate(size, id);
    objects.put(id, o);
    return new Created(o.offset, false);
  }

  public void seal(ObjectId id) {
    StoredObject o = require(id);
    if (o.state == StoredObject.State.SEALED) {
      return;
    }
    o.state = StoredObject.State.SEALED;
    o.lastAccessNanos = System.nanoTime();
    List<Waiter> ws = waitingForCreate.remove(id);
    if (o.deletePending) {
      // deleted while it was being written (its owner died): no reader gets it
      if (ws != null) {
        for (Waiter w : ws) {
          if (w.timeout != null) {
            w.timeout.cancel(false);
          }
          w.reply.accept(null);
        }
      }
      if (o.readers.isEmpty()) {
        free(o);
      }
      return;
    }
    if (ws != null) {
      for (Waiter w : ws) {
        answer(o, w);
      }
    }
  }

  /** Drops an unsealed object: its writer failed. */
  public void abort(ObjectId id) {
    StoredObject o = objects.get(id);
    if (o == null || o.state == StoredObject.State.SEALED) {
      return;
    }
    objects.remove(id);
    allocator.free(o.offset);
    LOG.info("object {} ({} bytes) aborted before it was sealed", id, o.size);
  }

  /**
   * Answers with the object's location once it is sealed (restoring it from disk if spilled),
   * counting {@code reader} as holding it; with null if it is not sealed within the timeout.
   */
  public void get(ObjectId id, WorkerId reader, long timeoutMs, Consumer<Location> reply) {
    StoredObject o = objects.get(id);
    Waiter w = new Waiter(reader, reply);
    if (o != null && o.state == StoredObject.State.SEALED && !o.deletePending) {
      answer(o, w);
      return;
    }
    if (timeoutMs <= 0 || (o != null && o.deletePending)) {
      reply.accept(null);
      return;
    }
    waitingForCreate.computeIfAbsent(id, k -> new ArrayList<>()).add(w);
    w.timeout = loop.schedule(() -> {
      List<Waiter> ws = waitingForCreate.get(id);
      if (ws != null && ws.remove(w)) {
        if (ws.isEmpty()) {
          waitingForCreate.remove(id);
        }
        reply.accept(null);
      }
    }, timeoutMs);
  }

  private void answer(StoredObject o, Waiter w) {
    if (w.timeout != null) {
      w.timeout.cancel(false);
    }
    try {
      if (!o.inMemory()) {
        restore(o);
      }
    } catch (StoreFullException | UncheckedIOException e) {
      LOG.error("cannot restore spilled object {}: {}", o.id, e.getMessage());
      w.reply.accept(null);
      return;
    }
    o.readers.merge(w.reader, 1, Integer::sum);
    o.lastAccessNanos = System.nanoTime();
    w.reply.accept(new Location(o.offset, o.size));
  }

  public void release(ObjectId id, WorkerId reader) {
    StoredObject o = objects.get(id);
    if (o == null) {
      return;
    }
    o.readers.computeIfPresent(reader, (k, c) -> c <= 1 ? null : c - 1);
    if (o.deletePending && o.readers.isEmpty() && o.state == StoredObject.State.SEALED) {
      free(o);
    }
  }

  /**
   * Counts {@code holder} as a reader of an object, sealed or not, until {@code release}. The
   * puller holds the copy it writes from gRPC threads, so that a delete meanwhile cannot hand the
   * memory to another object under those writes.
   */
  public void hold(ObjectId id, WorkerId holder) {
    require(id).readers.merge(holder, 1, Integer::sum);
  }

  /**
   * The owner frees its object; the memory goes once no reader (or pull in progress) holds it,
   * and, for an object still being written, once its writer seals or aborts it (it may be
   * writing into that memory right now).
   */
  public boolean delete(ObjectId id) {
    StoredObject o = objects.get(id);
    if (o == null) {
      return false;
    }
    if (o.readers.isEmpty() && o.state == StoredObject.State.SEALED) {
      free(o);
    } else {
      o.deletePending = true;
    }
    return true;
  }

  /**
   * Objects, sealed or not, whose recorded owner matches {@code which}, by owner. A scan: it runs
   * once per owner death, and an index would have to follow every free, abort and eviction.
   */
  public Map<ObjectOwner, List<ObjectId>> ownedBy(Predicate<ObjectOwner> which) {
    Map<ObjectOwner, List<ObjectId>> out = new HashMap<>();
    for (StoredObject o : objects.values()) {
      if (o.owner != null && which.test(o.owner)) {
        out.computeIfAbsent(o.owner, k -> new ArrayList<>()).add(o.id);
      }
    }
    return out;
  }

  /** From now on {@code create} refuses objects whose owner {@code gone} says is dead. */
  public void refuseOwners(Predicate<ObjectOwner> gone) {
    this.ownerGone = gone;
  }

  /** A worker died: abort what it was writing, drop what it was reading. */
  public void workerDied(WorkerId worker) {
    for (StoredObject o : List.copyOf(objects.values())) {
      if (o.state == StoredObject.State.CREATED && worker.equals(o.creator)) {
        abort(o.id);
        continue;
      }
      if (o.readers.remove(worker) != null && o.deletePending && o.readers.isEmpty()
          && o.state == StoredObject.State.SEALED) {
        free(o);
      }
    }
  }

  private void free(StoredObject o) {
    objects.remove(o.id);
    if (o.inMemory()) {
      allocator.free(o.offset);
    }
    if (o.spillFile != null) {
      spilledBytes -= o.size;
      deleteQuietly(o.spillFile);
    }
  }

  /** Finds room for {@code size} bytes, spilling least recently used primaries when needed. */
  private long allocate(long size, ObjectId forId) {
    // Before any spilling: an object larger than the whole store must not spill every other object
    // on its way to failing (and used + size would overflow for sizes near Long.MAX_VALUE).
    if (size > allocator.capacity()) {
      throw new StoreFullException("object " + forId + " of " + size + " bytes does not fit in the object store:"
          + " capacity " + allocator.capacity() + " bytes, less than the object alone (start the node with a larger"
          + " --object-store-memory)");
    }
    if (allocator.used() + size > spillAbove) {
      spill(allocator.used() + size - spillAbove, forId);
    }
    long off = allocator.allocate(size);
    while (off < 0) {
      if (spill(size, forId) == 0) {
        throw new StoreFullException("object " + forId + " of " + size + " bytes does not fit in the object store:"
            + " capacity " + allocator.capacity() + " bytes, " + allocator.used() + " in use by objects being written"
            + " or read (not spillable), largest free block " + allocator.largestFreeBlock() + " bytes");
      }
      off = allocator.allocate(size);
    }
    return off;
  }

  /**
   * Spills sealed, unread objects (LRU first) until {@code bytes} are freed; returns bytes freed.
   * When the spill directory cannot take an object (disk full, unwritable), that object stays in
   * memory untouched and the store is full: {@link StoreFullException} names the cause.
   */
  private long spill(long bytes, ObjectId forId) {
    List<StoredObject> candidates = objects.values().stream()
        .filter(o -> o.inMemory() && o.state == StoredObject.State.SEALED && o.readers.isEmpty()
            && !o.id.equals(forId))
        .sorted(Comparator.comparingLong(o -> o.lastAccessNanos)).toList();
    long freed = 0;
    for (StoredObject o : candidates) {
      if (freed >= bytes) {
        break;
      }
      if (!o.primary) {
        objects.remove(o.id); // a secondary copy: evict, the primary lives elsewhere
        allocator.free(o.offset);
      } else {
        spillToDisk(o);
      }
      freed += o.size;
    }
    return freed;
  }

  private void spillToDisk(StoredObject o) {
    Path f = spillDir.resolve(o.id.hex());
    try {
      Files.createDirectories(spillDir);
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        MemorySegment src = arena.segment().asSlice(o.offset, o.size);
        long pos = 0;
        while (pos < o.size) {
          long n = Math.min(1 << 30, o.size - pos);
          java.nio.ByteBuffer buf = src.asSlice(pos, n).asByteBuffer();
          while (buf.hasRemaining()) {
            ch.write(buf);
          }
          pos += n;
        }
      }
      allocator.free(o.offset);
      o.offset = -1;
      o.spillFile = f;
      spilledBytes += o.size;
      spillCount++;
      LOG.debug("spilled object {} ({} bytes) to {}", o.id, o.size, f);
    } catch (IOException e) {
      // the object is still whole in memory; only the partial file goes
      deleteQuietly(f);
      LOG.error("cannot spill object {} ({} bytes) to {}: {}", o.id, o.size, spillDir, e.toString());
      throw new StoreFullException("the object store is full and cannot spill to " + spillDir + ": writing object "
          + o.id + " (" + o.size + " bytes) failed with " + e + " (is the disk full? set --spill-dir or"
          + " object-store.spill-dir to a directory with room)");
    }
  }

  private void restore(StoredObject o) {
    long off = allocate(o.size, o.id);
    try (FileChannel ch = FileChannel.open(o.spillFile, StandardOpenOption.READ)) {
      MemorySegment dst = arena.segment().asSlice(off, o.size);
      long pos = 0;
      while (pos < o.size) {
        long n = Math.min(1 << 30, o.size - pos);
        java.nio.ByteBuffer buf = dst.asSlice(pos, n).asByteBuffer();
        while (buf.hasRemaining()) {
          if (ch.read(buf) < 0) {
            throw new IOException("spill file " + o.spillFile + " is shorter than the object");
          }
        }
        pos += n;
      }
    } catch (IOException e) {
      allocator.free(off);
      throw new UncheckedIOException("cannot restore object " + o.id + ": " + e.getMessage(), e);
    }
    deleteQuietly(o.spillFile);
    o.spillFile = null;
    o.offset = off;
    spilledBytes -= o.size;
    restoreCount++;
    restoredBytes += o.size;
    LOG.debug("restored object {} ({} bytes)", o.id, o.size);
  }

  private static void deleteQuietly(Path f) {
    try {
      Files.deleteIfExists(f);
    } catch (IOException e) {
      LOG.warn("cannot remove spill file {}: {}", f, e.toString());
    }
  }

  private StoredObject require(ObjectId id) {
    StoredObject o = objects.get(id);
    if (o == null) {
      throw new IllegalArgumentException("object " + id + " is not in this store");
    }
    return o;
  }

  public boolean isSealed(ObjectId id) {
    StoredObject o = objects.get(id);
    return o != null && o.state == StoredObject.State.SEALED && !o.deletePending;
  }

  /**
   * Part of a sealed object (restored first if spilled) for another node's pull: a read-only view
   * of the arena, no copy. {@code reader} holds the object until it calls {@code release}, which it
   * must do once the view has been sent.
   */
  public java.nio.ByteBuffer readChunk(ObjectId id, long offset, long length, WorkerId reader) {
    StoredObject o = objects.get(id);
    if (o == null || o.state != StoredObject.State.SEALED) {
      throw new IllegalArgumentException("object " + id + " is not sealed in this store");
    }
    // length > size - offset, not offset + length > size: the sum overflows for offsets near
    // Long.MAX_VALUE and would let the slice below throw on the store loop, leaving the call unanswered
    if (offset < 0 || length <= 0 || offset > o.size || length > o.size - offset || length > Integer.MAX_VALUE - 8) {
      throw new IndexOutOfBoundsException("chunk " + offset + "+" + length + " is outside object " + id + " of "
          + o.size + " bytes");
    }
    if (!o.inMemory()) {
      restore(o);
    }
    o.lastAccessNanos = System.nanoTime();
    o.readers.merge(reader, 1, Integer::sum);
    return arena.segment().asSlice(o.offset + offset, length).asByteBuffer().asReadOnlyBuffer();
  }

  public StoreStats stats() {
    long spilledObjects = objects.values().stream().filter(o -> !o.inMemory()).count();
    long unsealed = objects.values().stream().filter(o -> o.state == StoredObject.State.CREATED).count();
    return StoreStats.newBuilder().setArenaPath(arena.path().toString()).setCapacity(allocator.capacity())
        .setUsed(allocator.used()).setObjectCount(objects.size()).setSpilledBytes(spilledBytes)
        .setSpilledObjects(spilledObjects).setSpillCount(spillCount).setRestoreCount(restoreCount).setRestoredBytes(restoredBytes)
        .setUnsealedObjects(unsealed).build();
  }

  public ArenaFile arena() {
    return arena;
  }

  /** Unmaps and removes the arena and the spill files. */
  @Override
  public void close() {
    for (StoredObject o : objects.values()) {
      if (o.spillFile != null) {
        deleteQuietly(o.spillFile);
      }
    }
    arena.close();
  }
}
