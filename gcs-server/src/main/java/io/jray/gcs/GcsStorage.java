package io.jray.gcs;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

/**
 * GCS tables in RocksDB, one column family per table, so a restarted GCS reloads every table.
 * Called only from the GCS event loop, except {@link Table#PACKAGES}: package uploads and
 * downloads run on gRPC threads, touch only their own keys, and RocksDB is safe for that.
 */
public final class GcsStorage implements AutoCloseable {
  /** The tables GCS keeps. */
  public enum Table {
    NODES("nodes"),
    JOBS("jobs"),
    KV("kv"),
    PACKAGES("packages");

    final String cf;

    Table(String cf) {
      this.cf = cf;
    }
  }

  static {
    RocksDB.loadLibrary();
  }

  private final RocksDB db;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final Map<Table, ColumnFamilyHandle> handles = new LinkedHashMap<>();
  private final List<ColumnFamilyHandle> allHandles = new ArrayList<>();
  private final WriteOptions writeOptions = new WriteOptions();

  public GcsStorage(Path dir) {
    try {
      Files.createDirectories(dir);
      cfOptions = new ColumnFamilyOptions();
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

  public void put(Table t, byte[] key, byte[] value) {
    try {
      db.put(handles.get(t), writeOptions, key, value);
    } catch (RocksDBException e) {
      throw new IllegalStateException("GCS storage write failed (" + t + "): " + e.getMessage(), e);
    }
  }

  public byte[] get(Table t, byte[] key) {
    try {
      return db.get(handles.get(t), key);
    } catch (RocksDBException e) {
      throw new IllegalStateException("GCS storage read failed (" + t + "): " + e.getMessage(), e);
    }
  }

  public void delete(Table t, byte[] key) {
    try {
      db.delete(handles.get(t), writeOptions, key);
    } catch (RocksDBException e) {
      throw new IllegalStateException("GCS storage delete failed (" + t + "): " + e.getMessage(), e);
    }
  }

  /** Deletes every key of a table in [from, to). */
  public void deleteRange(Table t, byte[] from, byte[] to) {
    try {
      db.deleteRange(handles.get(t), writeOptions, from, to);
    } catch (RocksDBException e) {
      throw new IllegalStateException("GCS storage delete failed (" + t + "): " + e.getMessage(), e);
    }
  }

  /** Every entry of a table, in key order. */
  public Map<byte[], byte[]> scan(Table t) {
    Map<byte[], byte[]> out = new LinkedHashMap<>();
    try (RocksIterator it = db.newIterator(handles.get(t))) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        out.put(it.key(), it.value());
      }
    }
    return out;
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
