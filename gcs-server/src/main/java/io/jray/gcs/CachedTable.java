package io.jray.gcs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SequencedCollection;
import java.util.SequencedMap;
import java.util.Collections;

/**
 * A {@link PersistentTable} also held in memory, for the tables GCS reads on every request and
 * publishes in full (nodes, jobs, worker deaths). Loaded once at start; each change goes to RocksDB
 * first, then to memory, so memory never shows what a restart would lose. Entries keep the order
 * they were first put in (after a restart: key order). Inside {@link GcsStorage#atomically} memory
 * changes as the batch is collected; a batch that then fails to commit fails the GCS.
 *
 * <p>Threads: the in-memory map is state of {@code gcs-loop}; only that thread may call this.
 */
final class CachedTable<K, V> {
  private final PersistentTable<K, V> table;
  private final SequencedMap<K, V> entries;

  CachedTable(PersistentTable<K, V> table) {
    this.table = table;
    this.entries = table.loadAll();
  }

  void put(K key, V value) {
    table.put(key, value);
    entries.put(key, value);
  }

  V get(K key) {
    return entries.get(key);
  }

  boolean remove(K key) {
    if (!entries.containsKey(key)) {
      return false;
    }
    table.delete(key);
    entries.remove(key);
    return true;
  }

  /** Removes the entry put first; null if the table is empty. */
  Map.Entry<K, V> removeFirst() {
    Map.Entry<K, V> first = entries.firstEntry();
    if (first != null) {
      remove(first.getKey());
    }
    return first;
  }

  Map.Entry<K, V> last() {
    return entries.lastEntry();
  }

  int size() {
    return entries.size();
  }

  /** A copy of every value, oldest first. */
  List<V> all() {
    return new ArrayList<>(entries.values());
  }

  /** A read-only live view of the values, oldest first; not to be kept past the current loop task. */
  SequencedCollection<V> values() {
    return Collections.unmodifiableSequencedCollection(entries.sequencedValues());
  }

  @Override
  public String toString() {
    return table.toString();
  }
}
