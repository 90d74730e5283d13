package io.jray.gcs;

import io.jray.common.proto.ProtoIds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jray.api.JobId;
import io.jray.api.NodeId;
import io.jray.api.WorkerId;
import io.jray.common.gcs.GcsClient;
import io.jray.common.gcs.GcsUnavailableException;
import io.jray.common.grpc.Rpc;
import io.jray.proto.GcsServiceGrpc;
import io.jray.proto.GetWorkerDeathsRequest;
import io.jray.proto.JobInfo;
import io.jray.proto.NodeInfo;
import io.jray.proto.WorkerDeath;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link GcsClient} against a real GCS on gRPC and RocksDB in this JVM: a call made while GCS is
 * down waits for it and succeeds once it is up (also after a restart over the same storage), gives
 * up with a {@link GcsUnavailableException} that says where and since when, and passes GCS's own
 * refusals through at once.
 */
@Timeout(60)
class GcsClientTest {
  private static final String TOKEN = "test-token";
  private static final GcsServer.Settings SETTINGS = new GcsServer.Settings(600_000, 1_000, 5, 1 << 20, 100);
  @TempDir
  Path dir;
  private GcsServer gcs;

  @AfterEach
  void stop() throws Exception {
    if (gcs != null) {
      gcs.close();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static NodeInfo node(NodeId id) {
    return NodeInfo.newBuilder().setNodeId(ProtoIds.bytes(id)).setHost("127.0.0.1").setRayletPort(1)
        .putTotalResources("CPU", 1.0).build();
  }

  @Test
  void aCallMadeWhileGcsIsDownSucceedsOnceItIsUp() throws Exception {
    int port = freePort();
    try (GcsClient client = new GcsClient("127.0.0.1:" + port, TOKEN).withReconnectTimeout(Duration.ofSeconds(30))) {
      CompletableFuture<List<NodeInfo>> nodes = CompletableFuture.supplyAsync(client::allNodes);
      Thread.sleep(700);
      assertThat(nodes).as("still retrying").isNotDone();
      gcs = GcsServer.start("127.0.0.1", port, dir, TOKEN, SETTINGS);
      assertThat(nodes.get(20, TimeUnit.SECONDS)).isEmpty();

      NodeId id = NodeId.random();
      client.registerNode(node(id));
      gcs.close();
      gcs = null;
      // a write and a read, both waiting out the restart; the restarted GCS reloaded the node
      CompletableFuture<JobId> job = CompletableFuture.supplyAsync(() -> client.addJob(JobInfo.newBuilder()
          .setDriverPid(1).setDriverHost("127.0.0.1").build()));
      CompletableFuture<List<NodeInfo>> again = CompletableFuture.supplyAsync(client::allNodes);
      Thread.sleep(1_500);
      assertThat(again).isNotDone();
      gcs = GcsServer.start("127.0.0.1", port, dir, TOKEN, SETTINGS);
      assertThat(again.get(20, TimeUnit.SECONDS)).extracting(NodeInfo::getNodeId)
          .containsExactly(ProtoIds.bytes(id));
      assertThat(client.getJob(job.get(20, TimeUnit.SECONDS))).isPresent();
    }
  }

  @Test
  void givesUpAfterTheReconnectTimeoutSayingWhereAndSinceWhen() throws Exception {
    String address = "127.0.0.1:" + freePort();
    String before = System.getProperty("jray.gcs.reconnect-timeout-ms");
    System.setProperty("jray.gcs.reconnect-timeout-ms", "800");
    try (GcsClient client = new GcsClient(address, TOKEN)) {
      long t0 = System.nanoTime();
      assertThatThrownBy(client::allJobs).isInstanceOfSatisfying(GcsUnavailableException.class, e -> {
        assertThat(e.address()).isEqualTo(address);
        assertThat(e.lastStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(e.unreachableSinceMs()).isLessThanOrEqualTo(System.currentTimeMillis());
      }).hasMessageContaining("GCS at " + address + " unreachable since ").hasMessageContaining("GetAllJobs")
          .hasMessageContaining("last status UNAVAILABLE");
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(ms).as("retried for the timeout, then stopped").isBetween(800L, 10_000L);

      long t1 = System.nanoTime();
      assertThatThrownBy(() -> client.withReconnectTimeout(Duration.ZERO).allNodes())
          .isInstanceOf(GcsUnavailableException.class).hasMessageContaining("1 attempt");
      assertThat((System.nanoTime() - t1) / 1_000_000).as("one attempt, no waiting").isLessThan(800L);
    } finally {
      if (before == null) {
        System.clearProperty("jray.gcs.reconnect-timeout-ms");
      } else {
        System.setProperty("jray.gcs.reconnect-timeout-ms", before);
      }
    }
  }

  @Test
  void gcsRefusalsAreThrownAtOnceAndUnchanged() throws Exception {
    gcs = GcsServer.start("127.0.0.1", 0, dir, TOKEN, SETTINGS);
    try (GcsClient client = new GcsClient("127.0.0.1:" + gcs.port(), TOKEN);
        GcsClient wrongToken = new GcsClient("127.0.0.1:" + gcs.port(), "not-the-token")) {
      assertThatThrownBy(() -> client.registerNode(NodeInfo.getDefaultInstance()))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT))
          .hasMessageContaining("node_id is empty");
      assertThatThrownBy(() -> client.markJobFinished(JobId.fromInt(99), "x"))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
      assertThatThrownBy(wrongToken::allNodes).isInstanceOfSatisfying(StatusRuntimeException.class,
          e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
      assertThat(client.getJob(JobId.fromInt(99))).as("NOT_FOUND is an empty answer").isEmpty();
      assertThat(client.kvPut("k", ByteString.copyFromUtf8("v"), false)).isTrue();
      assertThat(client.kvPut("k", ByteString.copyFromUtf8("w"), false)).isFalse();
      assertThat(client.kvGet("k")).contains(ByteString.copyFromUtf8("v"));
      assertThat(client.kvDel("k")).isTrue();
      assertThat(client.kvGet("k")).isEmpty();
    }
  }

  @Test
  void workerDeathsAreStoredBeforeTheReplyAndReadBackFiltered() throws Exception {
    gcs = GcsServer.start("127.0.0.1", 0, dir, TOKEN, SETTINGS);
    NodeId n1 = NodeId.random();
    NodeId n2 = NodeId.random();
    try (GcsClient client = new GcsClient("127.0.0.1:" + gcs.port(), TOKEN)) {
      client.registerNode(node(n1));
      client.registerNode(node(n2));
      for (int i = 0; i < 4; i++) {
        client.reportWorkerDeath(WorkerDeath.newBuilder().setWorkerId(ProtoIds.bytes(WorkerId.random()))
            .setNodeId(ByteString.copyFrom((i < 3 ? n1 : n2).bytes()))
            .setJobId(ByteString.copyFrom(JobId.fromInt(i % 2 + 1).bytes())).setReason("death " + i).build());
      }
    }
    gcs.close();
    gcs = GcsServer.start("127.0.0.1", 0, dir, TOKEN, SETTINGS);
    try (GcsClient client = new GcsClient("127.0.0.1:" + gcs.port(), TOKEN)) {
      assertThat(client.workerDeaths(null, null, 10)).as("kept across a restart").extracting(WorkerDeath::getReason)
          .containsExactly("death 0", "death 1", "death 2", "death 3");
      assertThat(client.workerDeaths(JobId.fromInt(1), n1, 10)).extracting(WorkerDeath::getReason)
          .containsExactly("death 0", "death 2");
      assertThat(client.workerDeaths(null, null, 1)).extracting(WorkerDeath::getReason).containsExactly("death 3");
      assertThat(client.workerDeaths(null, n2, 10).get(0).getTimeMs()).as("stamped by GCS").isPositive();
    }
    ManagedChannel raw = Rpc.channel("127.0.0.1", gcs.port(), TOKEN);
    try {
      var stub = GcsServiceGrpc.newBlockingStub(raw).withDeadlineAfter(10, TimeUnit.SECONDS);
      assertInvalid(() -> stub.getWorkerDeaths(GetWorkerDeathsRequest.newBuilder().setLimit(-1).build()),
          "limit must be 0 (meaning 1000) to 10000, got -1");
      assertInvalid(() -> stub.getWorkerDeaths(GetWorkerDeathsRequest.newBuilder().setLimit(10_001).build()),
          "got 10001");
      assertInvalid(() -> stub.getWorkerDeaths(GetWorkerDeathsRequest.newBuilder()
          .setJobId(ByteString.copyFromUtf8("abc")).build()), "job_id must be 4 bytes, got 3");
      assertInvalid(() -> stub.getWorkerDeaths(GetWorkerDeathsRequest.newBuilder()
          .setNodeId(ByteString.copyFromUtf8("abc")).build()), "node_id must be 16 bytes, got 3");
      assertThat(stub.getWorkerDeaths(GetWorkerDeathsRequest.getDefaultInstance()).getDeathsCount())
          .as("limit 0: the default").isEqualTo(4);
    } finally {
      raw.shutdownNow();
    }
  }

  private static void assertInvalid(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String message) {
    assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT)).hasMessageContaining(message);
  }
}
