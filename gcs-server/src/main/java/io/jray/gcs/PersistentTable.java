package io.jray.gcs;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.SequencedMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One GCS table in RocksDB with typed keys and values: the keys of one column family that start
 * with {@code prefix} (a column family may hold several small tables, as {@code kv} holds users'
 * keys and the job counter). {@link #put} and {@link #delete} are in RocksDB when they return, so
 * GCS may acknowledge the change.
 *
 * <p>Threads: holds no mutable state, so it runs on whichever thread calls it, as RocksDB allows;
 * the tables over it decide which that is ({@code gcs-loop} for all but {@link PackageStore}).
 */
final class PersistentTable<K, V> {
  private static final Logger LOG = LoggerFactory.getLogger(PersistentTable.class);
  private final GcsStorage storage;
  private final GcsStorage.Table cf;
  private final byte[] prefix;
  private final Codec<K> keys;
  private final Codec<V> values;

  PersistentTable(GcsStorage storage, GcsStorage.Table cf, String prefix, Codec<K> keys, Codec<V> values) {
    this.storage = storage;
    this.cf = cf;
    this.prefix = Codec.UTF8.encode(prefix);
    this.keys = keys;
    this.values = values;
  }

  void put(K key, V value) {
    storage.put(cf, key(key), values.encode(value));
  }

  /** The value stored under {@code key}, or null. */
  V get(K key) {
    byte[] b = storage.get(cf, key(key));
    return b == null ? null : values.decode(b);
  }

  boolean contains(K key) {
    return storage.get(cf, key(key)) != null;
  }

  void delete(K key) {
    storage.delete(cf, key(key));
  }

  /** Deletes the key; false if it was not there. */
  boolean remove(K key) {
    byte[] k = key(key);
    if (storage.get(cf, k) == null) {
      return false;
    }
    storage.delete(cf, k);
    return true;
  }

  /** Deletes every key in [from, to) by the keys' byte order. */
  void deleteRange(K from, K to) {
    storage.deleteRange(cf, key(from), key(to));
  }

  /**
   * Every entry, in the keys' byte order. A record that does not decode is logged and skipped: a
   * GCS that starts without one damaged record serves the rest of the cluster.
   */
  SequencedMap<K, V> loadAll() {
    SequencedMap<K, V> out = new LinkedHashMap<>();
    storage.scan(cf, prefix, (k, v) -> {
      try {
        out.put(keys.decode(Arrays.copyOfRange(k, prefix.length, k.length)), values.decode(v));
      } catch (IllegalArgumentException e) {
        LOG.error("{} table: skipping unreadable record {}: {}", cf, HexFormat.of().formatHex(k), e.getMessage());
      }
    });
    return out;
  }

  private byte[] key(K key) {
    byte[] k = keys.encode(key);
    if (prefix.length == 0) {
      return k;
    }
    byte[] out = Arrays.copyOf(prefix, prefix.length + k.length);
    System.arraycopy(k, 0, out, prefix.length, k.length);
    return out;
  }

  @Override
  public String toString() {
    return cf + (prefix.length == 0 ? "" : "/" + Codec.UTF8.decode(prefix));
  }
}
