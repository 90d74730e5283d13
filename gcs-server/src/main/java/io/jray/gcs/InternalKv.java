package io.jray.gcs;

import java.nio.charset.StandardCharsets;

/** The internal key-value table (cluster config, function tables later). State of the GCS loop. */
final class InternalKv {
  private final GcsStorage storage;

  InternalKv(GcsStorage storage) {
    this.storage = storage;
  }

  boolean put(String key, byte[] value, boolean overwrite) {
    byte[] k = key(key);
    boolean exists = storage.get(GcsStorage.Table.KV, k) != null;
    if (exists && !overwrite) {
      return false;
    }
    storage.put(GcsStorage.Table.KV, k, value);
    return !exists;
  }

  byte[] get(String key) {
    return storage.get(GcsStorage.Table.KV, key(key));
  }

  boolean delete(String key) {
    byte[] k = key(key);
    if (storage.get(GcsStorage.Table.KV, k) == null) {
      return false;
    }
    storage.delete(GcsStorage.Table.KV, k);
    return true;
  }

  /** User keys live under a prefix so they cannot clash with GCS's own entries (like the job counter). */
  private static byte[] key(String key) {
    return ("u:" + key).getBytes(StandardCharsets.UTF_8);
  }
}
