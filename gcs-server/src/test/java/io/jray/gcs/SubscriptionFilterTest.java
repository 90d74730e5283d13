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
import io.jray.common.concurrent.EventLoop;
import io.jray.common.gcs.GcsClient;
import io.jray.common.grpc.Rpc;
import io.jray.proto.GcsServiceGrpc;
import io.jray.proto.NodeInfo;
import io.jray.proto.PubMessage;
import io.jray.proto.ResourceReport;
import io.jray.proto.SubscribeRequest;
import io.jray.proto.WorkerDeath;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GCS service over real gRPC and RocksDB: a subscriber that names channels gets only those
 * (worker deaths but no resource reports), one that names none gets everything, and bad reports
 * and subscriptions are refused with a status saying why.
 */
class SubscriptionFilterTest {
  private static final String TOKEN = "test-token";
  @TempDir
  Path dir;
  private GcsServer gcs;
  private GcsClient client;

  @BeforeEach
  void start() throws Exception {
    // no probes during the test: the registered node has no raylet behind it
    gcs = GcsServer.start("127.0.0.1", 0, dir, TOKEN, new GcsServer.Settings(600_000, 1_000, 5, 1 << 20, 100));
    client = new GcsClient("127.0.0.1:" + gcs.port(), TOKEN);
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    gcs.close();
  }

  /** The next change, past the GcsInfo that opens every subscription whatever its channels. */
  private static PubMessage next(BlockingQueue<PubMessage> q) throws InterruptedException {
    while (true) {
      PubMessage m = q.poll(10, TimeUnit.SECONDS);
      assertThat(m).as("a message within 10 s").isNotNull();
      if (!m.hasGcs()) {
        return m;
      }
    }
  }

  @Test
  void namedChannelsGetOnlyTheirChangesAndNoneMeansAll() throws Exception {
    NodeId node = NodeId.random();
    ByteString nodeBytes = ProtoIds.bytes(node);
    client.registerNode(NodeInfo.newBuilder().setNodeId(nodeBytes).setHost("127.0.0.1").setRayletPort(1)
        .putTotalResources("CPU", 1.0).build());
    EventLoop events = new EventLoop("test-events");
    BlockingQueue<PubMessage> deathsOnly = new LinkedBlockingQueue<>();
    BlockingQueue<PubMessage> all = new LinkedBlockingQueue<>();
    client.subscribe("filtered", List.of(SubscribeRequest.Channel.NODES, SubscribeRequest.Channel.WORKER_DEATHS),
        events, deathsOnly::add, events.timer());
    client.subscribe("everything", events, all::add, events.timer());
    assertThat(next(deathsOnly).getNode().getNodeId()).as("snapshot").isEqualTo(nodeBytes);
    assertThat(next(all).getNode().getNodeId()).isEqualTo(nodeBytes);

    client.reportResources(ResourceReport.newBuilder().setNodeId(nodeBytes).putTotal("CPU", 1.0)
        .putAvailable("CPU", 0.5).build()).get(10, TimeUnit.SECONDS);
    WorkerId worker = WorkerId.random();
    client.reportWorkerDeath(WorkerDeath.newBuilder().setWorkerId(ProtoIds.bytes(worker))
        .setNodeId(nodeBytes).setJobId(ByteString.copyFrom(JobId.fromInt(7).bytes())).setReason("killed").build());

    assertThat(next(all).hasResources()).isTrue();
    WorkerDeath seen = next(all).getWorkerDeath();
    assertThat(seen.getWorkerId()).isEqualTo(ProtoIds.bytes(worker));
    assertThat(seen.getTimeMs()).as("stamped by GCS").isPositive();
    // one stream, in publication order: had the report been sent here, it would have come first
    assertThat(next(deathsOnly).getWorkerDeath().getReason()).isEqualTo("killed");
    assertThat(deathsOnly).isEmpty();
    events.close();
  }

  @Test
  void badReportsAndSubscriptionsAreRefusedWithTheReason() {
    ByteString worker = ProtoIds.bytes(WorkerId.random());
    ByteString job = ByteString.copyFrom(JobId.fromInt(1).bytes());
    assertThatThrownBy(() -> client.reportWorkerDeath(WorkerDeath.newBuilder()
        .setWorkerId(ByteString.copyFromUtf8("short")).setNodeId(ProtoIds.bytes(NodeId.random()))
        .setJobId(job).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("worker_id must be");
    assertThatThrownBy(() -> client.reportWorkerDeath(WorkerDeath.newBuilder().setWorkerId(worker)
        .setNodeId(ProtoIds.bytes(NodeId.random())).setJobId(job).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND))
        .hasMessageContaining("unknown node");
    ManagedChannel raw = Rpc.channel("127.0.0.1", gcs.port(), TOKEN);
    ManagedChannel wrongToken = Rpc.channel("127.0.0.1", gcs.port(), "not-the-token");
    try {
      var it = GcsServiceGrpc.newBlockingStub(raw).withDeadlineAfter(10, TimeUnit.SECONDS).subscribe(
          SubscribeRequest.newBuilder().setSubscriber("bad").addChannels(SubscribeRequest.Channel.CHANNEL_UNSPECIFIED)
              .build());
      assertThatThrownBy(it::hasNext).isInstanceOfSatisfying(StatusRuntimeException.class,
          e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT))
          .hasMessageContaining("WORKER_DEATHS");
      assertThatThrownBy(() -> GcsServiceGrpc.newBlockingStub(wrongToken).reportWorkerDeath(WorkerDeath.newBuilder()
          .setWorkerId(worker).build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    } finally {
      raw.shutdownNow();
      wrongToken.shutdownNow();
    }
  }
}
