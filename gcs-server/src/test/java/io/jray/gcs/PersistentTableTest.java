package io.jray.gcs;

import static org.assertj.core.api.Assertions.assertThat;

import io.jray.proto.NodeInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A typed table over real RocksDB in a temp directory, closed and reopened as a GCS restart would. */
class PersistentTableTest {
  private static PersistentTable<String, NodeInfo> nodes(GcsStorage s, String prefix) {
    return new PersistentTable<>(s, GcsStorage.Table.NODES, prefix, Codec.UTF8, Codec.proto(NodeInfo.parser()));
  }

  private static NodeInfo node(String host) {
    return NodeInfo.newBuilder().setHost(host).setRayletPort(1).build();
  }

  @Test
  void putGetDeleteAndReloadAfterReopen(@TempDir Path dir) {
    try (GcsStorage s = new GcsStorage(dir)) {
      PersistentTable<String, NodeInfo> t = nodes(s, "p/");
      t.put("b", node("hb"));
      t.put("a", node("ha"));
      t.put("c", node("hc"));
      t.put("a", node("ha2"));
      t.delete("c");
      assertThat(t.get("a").getHost()).isEqualTo("ha2");
      assertThat(t.get("c")).isNull();
      assertThat(t.contains("b")).isTrue();
    }
    try (GcsStorage s = new GcsStorage(dir)) {
      PersistentTable<String, NodeInfo> t = nodes(s, "p/");
      assertThat(t.loadAll()).as("key order").containsExactly(
          java.util.Map.entry("a", node("ha2")), java.util.Map.entry("b", node("hb")));
      t.deleteRange("a", "b");
      assertThat(t.loadAll()).containsOnlyKeys("b");
    }
  }

  @Test
  void tablesSharingAColumnFamilySeeOnlyTheirPrefix(@TempDir Path dir) {
    try (GcsStorage s = new GcsStorage(dir)) {
      PersistentTable<String, NodeInfo> x = nodes(s, "x/");
      PersistentTable<String, NodeInfo> y = nodes(s, "y/");
      x.put("k", node("in x"));
      y.put("k", node("in y"));
      assertThat(x.get("k").getHost()).isEqualTo("in x");
      assertThat(x.loadAll()).hasSize(1);
      y.delete("k");
      assertThat(x.get("k")).isNotNull();
    }
  }

  @Test
  void anUnreadableRecordIsSkippedNotFatal(@TempDir Path dir) {
    try (GcsStorage s = new GcsStorage(dir)) {
      nodes(s, "").put("good", node("h"));
      s.put(GcsStorage.Table.NODES, "bad".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xff, 0x01});
    }
    try (GcsStorage s = new GcsStorage(dir)) {
      assertThat(nodes(s, "").loadAll()).containsOnlyKeys("good");
    }
  }

  @Test
  void aCachedTableReadsMemoryAndWritesThrough(@TempDir Path dir) {
    try (GcsStorage s = new GcsStorage(dir)) {
      CachedTable<String, NodeInfo> t = new CachedTable<>(nodes(s, ""));
      t.put("z", node("first"));
      t.put("a", node("second"));
      assertThat(t.all()).as("insertion order in memory").extracting(NodeInfo::getHost)
          .containsExactly("first", "second");
      assertThat(t.removeFirst().getKey()).isEqualTo("z");
      assertThat(t.remove("missing")).isFalse();
    }
    try (GcsStorage s = new GcsStorage(dir)) {
      CachedTable<String, NodeInfo> t = new CachedTable<>(nodes(s, ""));
      assertThat(t.all()).extracting(NodeInfo::getHost).containsExactly("second");
    }
  }
}
