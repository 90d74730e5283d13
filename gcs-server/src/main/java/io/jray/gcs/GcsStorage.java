package io.jray.gcs;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The GCS's RocksDB: one column family per {@link Table}, so a restarted GCS reloads every table.
 * Only bytes here; {@link PersistentTable} gives each table its types. Every write goes through
 * the WAL before it returns, so a GCS process that dies loses nothing it acknowledged; with
 * {@link Sync#ALWAYS} (the default, {@code gcs.storage-sync}) the WAL is also fsynced, so a machine
 * that loses power loses nothing acknowledged either. A change of several keys is made in one
 * {@link #atomically} batch, so a crash leaves all of it or none.
 *
 * <p>Threads: called on {@code gcs-loop}, except for {@link Table#PACKAGES}, which package uploads
 * and downloads use from gRPC threads; RocksDB itself is thread-safe. The open batch is the calling
 * thread's own; the write counter of the crash point is atomic.
 */
public final class GcsStorage implements AutoCloseable {
  /** The column families GCS keeps. Names are the on-disk layout: never rename one. */
  public enum Table {
    NODES("nodes"),
    JOBS("jobs"),
    /** Users' keys ({@link InternalKv}) and GCS's own counters, each under its own key prefix. */
    KV("kv"),
    PACKAGES("packages"),
    WORKER_DEATHS("worker_deaths"),
    /** Every actor, alive or dead, with its name and its constructor call (to restart it). */
    ACTORS("actors");

    final String cf;

    Table(String cf) {
      this.cf = cf;
    }
  }

  /** When a write reaches the disk, not only the OS: {@code gcs.storage-sync}. */
  public enum Sync {
    /** fsync of the WAL before each write returns (about 1-3 ms on an SSD; see README). */
    ALWAYS,
    /** WAL written to the OS before each write returns, synced by it later. */
    NEVER;

    static Sync parse(String s) {
      return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "always" -> ALWAYS;
        case "never" -> NEVER;
        default -> throw new IllegalArgumentException("gcs.storage-sync must be 'always' or 'never', got '" + s + "'");
      };
    }

    static Sync fromConfig() {
      return parse(io.jray.common.config.JRayConfig.get(io.jray.common.config.JRayConfig.GCS_STORAGE_SYNC));
    }
  }

  static {
    RocksDB.loadLibrary();
  }

  private final Path dir;
  private final RocksDB db;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final Map<Table, ColumnFamilyHandle> handles = new EnumMap<>(Table.class);
  private final List<ColumnFamilyHandle> allHandles = new ArrayList<>();
  private final WriteOptions writeOptions;
  private final Sync sync;
  /** The batch {@link #atomically} opened on this thread, if any. */
  private final ThreadLocal<WriteBatch> batch = new ThreadLocal<>();
  private final CrashPoint crash = CrashPoint.fromConfig();

  /** Opens (or creates) the storage with the configured {@code gcs.storage-sync}. */
  public GcsStorage(Path dir) {
    this(dir, Sync.fromConfig());
  }

  public GcsStorage(Path dir, Sync sync) {
    this.dir = dir;
    this.sync = sync;
    this.writeOptions = new WriteOptions().setSync(sync == Sync.ALWAYS);
    try {
      Files.createDirectories(dir);
      cfOptions = new ColumnFamilyOptions();
      // a table added in a later version appears empty in an older storage directory
      dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
      List<ColumnFamilyDescriptor> descs = new ArrayList<>();
      descs.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
      for (Table t : Table.values()) {
        descs.add(new ColumnFamilyDescriptor(t.cf.getBytes(StandardCharsets.UTF_8), cfOptions));
      }
      db = RocksDB.open(dbOptions, dir.toString(), descs, allHandles);
      for (Table t : Table.values()) {
        handles.put(t, allHandles.get(t.ordinal() + 1));
      }
    } catch (RocksDBException | java.io.IOException e) {
      throw new IllegalStateException("cannot open GCS storage at " + dir + ": " + e.getMessage(), e);
    }
  }

  Path dir() {
    return dir;
  }

  Sync sync() {
    return sync;
  }

  /**
   * Runs {@code change}, whose writes on this thread are collected and then written as one batch:
   * on return all of them are stored, and a crash at any point leaves all or none. Reads inside
   * see the state before the change. Nested calls join the outer batch.
   */
  void atomically(Runnable change) {
    if (batch.get() != null) {
      change.run();
      return;
    }
    try (WriteBatch b = new WriteBatch()) {
      batch.set(b);
      try {
        change.run();
      } finally {
        batch.remove();
      }
      if (b.count() > 0) {
        db.write(writeOptions, b);
        crash.wrote();
      }
    } catch (RocksDBException e) {
      throw new IllegalStateException("GCS storage write failed (batch): " + e.getMessage(), e);
    }
  }

  void put(Table t, byte[] key, byte[] value) {
    try {
      WriteBatch b = batch.get();
      if (b != null) {
        b.put(handles.get(t), key, value);
        return;
      }
      db.put(handles.get(t), writeOptions, key, value);
      crash.wrote();
    } catch (RocksDBException e) {
      throw failed("write", t, e);
    }
  }

  byte[] get(Table t, byte[] key) {
    try {
      return db.get(handles.get(t), key);
    } catch (RocksDBException e) {
      throw failed("read", t, e);
    }
  }

  void delete(Table t, byte[] key) {
    try {
      WriteBatch b = batch.get();
      if (b != null) {
        b.delete(handles.get(t), key);
        return;
      }
      db.delete(handles.get(t), writeOptions, key);
      crash.wrote();
    } catch (RocksDBException e) {
      throw failed("delete", t, e);
    }
  }

  /** Deletes every key of a table in [from, to). */
  void deleteRange(Table t, byte[] from, byte[] to) {
    try {
      WriteBatch b = batch.get();
      if (b != null) {
        b.deleteRange(handles.get(t), from, to);
        return;
      }
      db.deleteRange(handles.get(t), writeOptions, from, to);
      crash.wrote();
    } catch (RocksDBException e) {
      throw failed("delete", t, e);
    }
  }

  /** Every entry of a table whose key starts with {@code prefix}, in key order. */
  void scan(Table t, byte[] prefix, BiConsumer<byte[], byte[]> entry) {
    try (RocksIterator it = db.newIterator(handles.get(t))) {
      for (it.seek(prefix); it.isValid(); it.next()) {
        byte[] k = it.key();
        if (k.length < prefix.length || !Arrays.equals(k, 0, prefix.length, prefix, 0, prefix.length)) {
          break;
        }
        entry.accept(k, it.value());
      }
    }
  }

  private static IllegalStateException failed(String what, Table t, RocksDBException e) {
    return new IllegalStateException("GCS storage " + what + " failed (" + t + "): " + e.getMessage(), e);
  }

  @Override
  public void close() {
    allHandles.forEach(ColumnFamilyHandle::close);
    db.close();
    dbOptions.close();
    cfOptions.close();
    writeOptions.close();
  }
}
