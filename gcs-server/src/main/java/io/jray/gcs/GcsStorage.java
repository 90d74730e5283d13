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
import org.rocksdb.WriteOptions;

/**
 * The GCS's RocksDB: one column family per {@link Table}, so a restarted GCS reloads every table.
 * Only bytes here; {@link PersistentTable} gives each table its types. Writes go through the WAL
 * (RocksDB's default) without an fsync each: a GCS process that dies loses nothing it
 * acknowledged, a machine that loses power may lose the last writes.
 *
 * <p>Threads: called on {@code gcs-loop}, except for {@link Table#PACKAGES}, which package uploads
 * and downloads use from gRPC threads; RocksDB itself is thread-safe, and this class keeps no
 * mutable state of its own after opening.
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

  static {
    RocksDB.loadLibrary();
  }

  private final Path dir;
  private final RocksDB db;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final Map<Table, ColumnFamilyHandle> handles = new EnumMap<>(Table.class);
  private final List<ColumnFamilyHandle> allHandles = new ArrayList<>();
  private final WriteOptions writeOptions = new WriteOptions();

  public GcsStorage(Path dir) {
    this.dir = dir;
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

  void put(Table t, byte[] key, byte[] value) {
    try {
      db.put(handles.get(t), writeOptions, key, value);
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
      db.delete(handles.get(t), writeOptions, key);
    } catch (RocksDBException e) {
      throw failed("delete", t, e);
    }
  }

  /** Deletes every key of a table in [from, to). */
  void deleteRange(Table t, byte[] from, byte[] to) {
    try {
      db.deleteRange(handles.get(t), writeOptions, from, to);
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
