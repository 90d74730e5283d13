package io.jray.gcs;

import com.google.protobuf.ByteString;
import io.jray.common.gcs.GcsClient;
import io.jray.proto.NodeInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The cost of {@code gcs.storage-sync}: per-write latency of the GCS storage with and without an
 * fsync each, alone and as a KvPut through a real GCS over loopback gRPC. A benchmark, not a test:
 * {@code java -cp <gcs-server test class path> io.jray.gcs.StorageSyncBenchmark [DIR] [WRITES]}.
 */
final class StorageSyncBenchmark {
  private StorageSyncBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path root = Files.createTempDirectory(Path.of(args.length > 0 ? args[0] : "/tmp"), "gcs-sync-bench");
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
    byte[] value = NodeInfo.newBuilder().setNodeId(ByteString.copyFrom(new byte[16])).setHost("127.0.0.1")
        .setRayletPort(40000).putTotalResources("CPU", 8).setSessionDir("/tmp/jray/session_x").build().toByteArray();
    System.out.printf("storage under %s, %d writes of %d bytes each%n", root, n, value.length);
    for (GcsStorage.Sync sync : GcsStorage.Sync.values()) {
      try (GcsStorage s = new GcsStorage(root.resolve("raw-" + sync), sync)) {
        long[] lat = new long[n];
        for (int i = 0; i < n; i++) {
          long t = System.nanoTime();
          s.put(GcsStorage.Table.NODES, ("k" + i).getBytes(), value);
          lat[i] = System.nanoTime() - t;
        }
        report("storage put, sync " + sync, lat);
      }
      GcsServer gcs = GcsServer.start("127.0.0.1", 0, root.resolve("grpc-" + sync), "bench-token",
          new GcsServer.Settings(1_000, 1_000, 5, 1 << 20, 100, 10_000, sync));
      try (GcsClient client = new GcsClient("127.0.0.1:" + gcs.port(), "bench-token")) {
        for (int i = 0; i < 200; i++) {
          client.kvPut("warm" + i, ByteString.copyFrom(value), true);
        }
        long[] lat = new long[n];
        for (int i = 0; i < n; i++) {
          long t = System.nanoTime();
          client.kvPut("k" + i, ByteString.copyFrom(value), true);
          lat[i] = System.nanoTime() - t;
        }
        report("KvPut over gRPC, sync " + sync, lat);
      } finally {
        gcs.close();
      }
    }
  }

  private static void report(String what, long[] nanos) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    double mean = Arrays.stream(s).average().orElse(0) / 1e3;
    System.out.printf("%-30s mean %7.1f us  p50 %7.1f us  p99 %7.1f us  (%.0f writes/s)%n", what, mean,
        s[s.length / 2] / 1e3, s[(int) (s.length * 0.99)] / 1e3, 1e6 / mean);
  }
}
