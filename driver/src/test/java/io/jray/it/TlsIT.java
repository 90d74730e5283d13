package io.jray.it;

import static io.jray.it.ClusterExtension.on;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.common.gcs.GcsClient;
import io.jray.common.grpc.Rpc;
import io.jray.common.grpc.TlsConfig;
import io.jray.common.grpc.TlsFailure;
import io.jray.common.process.ClusterLauncher;
import io.jray.common.process.NodeOptions;
import io.jray.proto.GcsServiceGrpc;
import io.jray.proto.GetAllNodesRequest;
import io.jray.proto.GetNodeStatsRequest;
import io.jray.proto.NodeManagerServiceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A two-node cluster in mutual TLS (certificates made at run time): tasks and a cross-node object
 * transfer work over it, and clients without the cluster's trust are refused by GCS and raylets.
 */
class TlsIT {
  private static final Path DIR = Path.of("target", "tls-it-" + ProcessHandle.current().pid()).toAbsolutePath();
  private static final TestCertificates CLUSTER_CA = TestCertificates.ca(DIR, "cluster");
  private static final TestCertificates.Pair NODE = CLUSTER_CA.issue("node");
  private static final TestCertificates.Pair CLIENT = CLUSTER_CA.issue("client");
  private static final TestCertificates OTHER_CA = TestCertificates.ca(DIR, "other");
  private static final TestCertificates.Pair STRANGER = OTHER_CA.issue("stranger");

  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(new NodeOptions(1.0, Map.of(), 256L << 20, "127.0.0.1"))
      .node(new NodeOptions(1.0, Map.of(), 256L << 20, "127.0.0.1"))
      .property("jray.tls.cert", NODE.cert().toString()).property("jray.tls.key", NODE.key().toString())
      .property("jray.tls.ca", CLUSTER_CA.ca().toString()).supervisedGcs().driver();

  @Test
  void tasksAndACrossNodeTransferRunOverMutualTls() {
    List<ObjectRef<Integer>> refs = IntStream.range(0, 20).mapToObj(i -> JRay.task(TestTasks::increment, i).remote())
        .toList();
    assertThat(JRay.get(refs)).isEqualTo(IntStream.range(1, 21).boxed().toList());

    int size = 64 << 20;
    long expected = ObjectStoreIT.crc(TestTasks.bytes(size, 7));
    ClusterLauncher.Started second = cluster.raylet(1);
    ObjectRef<byte[]> made = JRay.task(TestTasks::bytes, size, 7L).setSchedulingStrategy(on(second)).remote();
    // read by a task on the head node: the head raylet pulls it from the second one, over TLS
    assertThat(JRay.task(TestTasks::crc, made).setSchedulingStrategy(on(cluster.raylet(0))).remote()
        .get(Duration.ofMinutes(2))).isEqualTo(expected);
    assertThat(ObjectStoreIT.crc(made.get(Duration.ofMinutes(2)))).isEqualTo(expected);
  }

  @Test
  void aClientWithTheClusterCertificateIsServed() {
    TlsConfig trusted = new TlsConfig(CLIENT.cert(), CLIENT.key(), CLUSTER_CA.ca());
    assertThat(gcsNodes(trusted)).isEqualTo(2);
    assertThat(rayletStats(trusted)).isTrue();
  }

  @Test
  void aPlaintextClientIsRefused() {
    assertRefused(TlsConfig.PLAINTEXT);
    // what a plaintext driver or CLI sees (this JVM's jray.tls.* were set only while the cluster started):
    // the resets are recognised and reported with the fix, long before the reconnect timeout
    try (GcsClient plain = new GcsClient("127.0.0.1:" + cluster.gcs().port(), cluster.token())
        .withReconnectTimeout(Duration.ofMinutes(5))) {
      assertThatThrownBy(plain::allNodes).isInstanceOf(StatusRuntimeException.class)
          .hasMessageContaining("most likely runs TLS and this process does not").hasMessageContaining("JRAY_TLS_CERT");
    }
  }

  @Test
  void aClientWithACertificateFromAnotherCaIsRefused() {
    // it trusts the cluster's CA, so only the server's check of its certificate can refuse it
    assertRefused(new TlsConfig(STRANGER.cert(), STRANGER.key(), CLUSTER_CA.ca()));
    // and one that trusts only its own CA refuses the cluster's servers, saying why
    StatusRuntimeException e = refusal(() -> gcsNodes(new TlsConfig(STRANGER.cert(), STRANGER.key(), OTHER_CA.ca())));
    assertThat(TlsFailure.explain(e, "GCS")).get().extracting(Throwable::getMessage).asString()
        .contains("TLS handshake with GCS failed", "not trusted");
  }

  @Test
  void aClientWithNoCertificateIsRefusedInMutualMode() {
    // no CA given: the client presents no certificate (it verifies the server against its own file's chain)
    TlsConfig noClientCert = new TlsConfig(NODE.cert(), NODE.key(), null);
    assertRefused(noClientCert);
    StatusRuntimeException e = refusal(() -> gcsNodes(noClientCert));
    assertThat(TlsFailure.explain(e, "GCS")).get().extracting(Throwable::getMessage).asString()
        .contains("refused this process's certificate");
  }

  private static void assertRefused(TlsConfig client) {
    assertThat(refusal(() -> gcsNodes(client)).getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(refusal(() -> rayletStats(client)).getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
  }

  private static StatusRuntimeException refusal(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e;
    }
    throw new AssertionError("the call was served");
  }

  private static int gcsNodes(TlsConfig tls) {
    ManagedChannel ch = Rpc.channel("127.0.0.1", cluster.gcs().port(), cluster.token(), tls);
    try {
      return GcsServiceGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS)
          .getAllNodes(GetAllNodesRequest.getDefaultInstance()).getNodesCount();
    } finally {
      ch.shutdownNow();
    }
  }

  private static boolean rayletStats(TlsConfig tls) {
    ManagedChannel ch = Rpc.channel("127.0.0.1", cluster.raylet(1).port(), cluster.token(), tls);
    try {
      return NodeManagerServiceGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS)
          .getNodeStats(GetNodeStatsRequest.getDefaultInstance()).hasStore();
    } finally {
      ch.shutdownNow();
    }
  }
}
