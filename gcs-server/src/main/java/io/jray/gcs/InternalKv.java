package io.jray.gcs;

import com.google.protobuf.ByteString;

/**
 * The internal key-value table (cluster config, function tables later): column family {@code kv},
 * user keys under the prefix {@code u:} so they cannot clash with GCS's own entries (like the job
 * counter). Read from RocksDB on each call rather than held in memory: values may be large and
 * most are read rarely.
 *
 * <p>Threads: called on {@code gcs-loop} only, so a check-then-put is atomic.
 */
final class InternalKv {
  private final PersistentTable<String, ByteString> table;

  InternalKv(GcsStorage storage) {
    this.table = new PersistentTable<>(storage, GcsStorage.Table.KV, "u:", Codec.UTF8, Codec.BYTES);
  }

  /** True if the key was new; an existing key is replaced only with {@code overwrite}. */
  boolean put(String key, ByteString value, boolean overwrite) {
    boolean exists = table.contains(key);
    if (exists && !overwrite) {
      return false;
    }
    table.put(key, value);
    return !exists;
  }

  /** The value, or null. */
  ByteString get(String key) {
    return table.get(key);
  }

  boolean delete(String key) {
    return table.remove(key);
  }
}
