package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.common.grpc.AuthClientInterceptor;
import io.jray.common.grpc.Rpc;
import io.jray.common.process.NodeOptions;
import io.jray.proto.*;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every server checks the token; malformed requests get a clear status and change no stored state. */
class AuthAndValidationIT {
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(1)).driver();
  private static ManagedChannel gcs;
  private static ManagedChannel raylet;

  @BeforeAll
  static void channels() {
    String token = cluster.token();
    gcs = Rpc.channel("127.0.0.1", cluster.gcs().port(), token);
    raylet = Rpc.channel("127.0.0.1", cluster.raylets().get(0).port(), token);
  }

  @AfterAll
  static void closeChannels() {
    gcs.shutdownNow();
    raylet.shutdownNow();
  }

  private static ManagedChannel channel(int port, String tokenOrNull) {
    NettyChannelBuilder b = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext();
    if (tokenOrNull != null) {
      b.intercept(new AuthClientInterceptor(tokenOrNull));
    }
    return b.build();
  }

  private static void assertStatus(ThrowingCallable call, Status.Code code, String messagePart) {
    assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).contains(messagePart);
    });
  }

  @Test
  void callsWithoutOrWithAWrongTokenAreUnauthenticatedOnEveryServer() {
    int driverPort = driverPort();
    for (int port : List.of(cluster.gcs().port(), cluster.raylets().get(0).port(), driverPort)) {
      for (String token : new String[] {null, "not-the-token"}) {
        ManagedChannel ch = channel(port, token);
        try {
          ThrowingCallable call = port == cluster.gcs().port()
              ? () -> GcsServiceGrpc.newBlockingStub(ch).getAllNodes(GetAllNodesRequest.getDefaultInstance())
              : port == driverPort
                  ? () -> CoreWorkerServiceGrpc.newBlockingStub(ch).getObject(GetObjectRequest.getDefaultInstance())
                  : () -> NodeManagerServiceGrpc.newBlockingStub(ch).getNodeStats(GetNodeStatsRequest.getDefaultInstance());
          assertStatus(call, Status.Code.UNAUTHENTICATED, token == null ? "missing cluster token" : "wrong cluster token");
        } finally {
          ch.shutdownNow();
        }
      }
    }
  }

  private static int driverPort() {
    return ServiceBadInputIT.driverPort();
  }

  @Test
  void malformedGcsRequestsAreRejectedAndChangeNothing() {
    var stub = GcsServiceGrpc.newBlockingStub(gcs);
    GetAllNodesReply nodesBefore = stub.getAllNodes(GetAllNodesRequest.getDefaultInstance());
    GetAllJobsReply jobsBefore = stub.getAllJobs(GetAllJobsRequest.getDefaultInstance());

    assertStatus(() -> stub.registerNode(RegisterNodeRequest.getDefaultInstance()), Status.Code.INVALID_ARGUMENT,
        "node is missing");
    assertStatus(() -> stub.registerNode(RegisterNodeRequest.newBuilder().setNode(NodeInfo.newBuilder()
        .setHost("127.0.0.1").setRayletPort(1234)).build()), Status.Code.INVALID_ARGUMENT, "node_id is empty");
    assertStatus(() -> stub.registerNode(RegisterNodeRequest.newBuilder().setNode(NodeInfo.newBuilder()
        .setNodeId(ByteString.copyFrom(new byte[3])).setHost("h").setRayletPort(1)).build()),
        Status.Code.INVALID_ARGUMENT, "must be 16 bytes");
    assertStatus(() -> stub.registerNode(RegisterNodeRequest.newBuilder().setNode(NodeInfo.newBuilder()
        .setNodeId(ByteString.copyFrom(new byte[16])).setHost("h").setRayletPort(1)
        .putTotalResources("CPU", -1)).build()), Status.Code.INVALID_ARGUMENT, "finite amount");
    assertStatus(() -> stub.markJobFinished(MarkJobFinishedRequest.newBuilder()
        .setJobId(ByteString.copyFrom(new byte[] {0, 0, 0x7f, 0x7f})).build()), Status.Code.NOT_FOUND, "unknown job");
    assertStatus(() -> stub.getJob(GetJobRequest.getDefaultInstance()), Status.Code.INVALID_ARGUMENT, "job_id is empty");
    assertStatus(() -> stub.addJob(AddJobRequest.getDefaultInstance()), Status.Code.INVALID_ARGUMENT, "job is missing");
    assertStatus(() -> stub.kvPut(KvPutRequest.newBuilder().setValue(ByteString.copyFromUtf8("v")).build()),
        Status.Code.INVALID_ARGUMENT, "key is empty");
    assertStatus(() -> stub.unregisterNode(UnregisterNodeRequest.newBuilder()
        .setNodeId(ByteString.copyFrom(new byte[16])).build()), Status.Code.NOT_FOUND, "unknown node");

    assertThat(stub.getAllNodes(GetAllNodesRequest.getDefaultInstance())).isEqualTo(nodesBefore);
    assertThat(stub.getAllJobs(GetAllJobsRequest.getDefaultInstance())).isEqualTo(jobsBefore);
  }

  @Test
  void kvRoundTripsAndRespectsOverwrite() {
    var stub = GcsServiceGrpc.newBlockingStub(gcs);
    assertThat(stub.kvPut(KvPutRequest.newBuilder().setKey("k").setValue(ByteString.copyFromUtf8("a")).build())
        .getAdded()).isTrue();
    assertThat(stub.kvPut(KvPutRequest.newBuilder().setKey("k").setValue(ByteString.copyFromUtf8("b")).build())
        .getAdded()).isFalse();
    assertThat(stub.kvGet(KvGetRequest.newBuilder().setKey("k").build()).getValue().toStringUtf8()).isEqualTo("a");
    assertThat(stub.kvDel(KvDelRequest.newBuilder().setKey("k").build()).getDeleted()).isTrue();
    assertThat(stub.kvGet(KvGetRequest.newBuilder().setKey("k").build()).getFound()).isFalse();
  }

  @Test
  void malformedRayletRequestsAreRejectedAndChangeNothing() {
    var stub = NodeManagerServiceGrpc.newBlockingStub(raylet);
    // Another test's task may still hold its lease (the driver keeps an idle lease briefly): compare
    // from a quiet node, or that lease's return would look like a change made by the bad requests.
    GetNodeStatsReply before = Awaitility.await().atMost(Duration.ofSeconds(30))
        .until(() -> stub.getNodeStats(GetNodeStatsRequest.getDefaultInstance()),
            s -> s.getAvailableResourcesMap().equals(s.getTotalResourcesMap()));
    assertStatus(() -> stub.returnWorker(ReturnWorkerRequest.newBuilder()
        .setLeaseId(ByteString.copyFrom(new byte[16])).build()), Status.Code.NOT_FOUND, "no active lease");
    assertStatus(() -> stub.returnWorker(ReturnWorkerRequest.getDefaultInstance()), Status.Code.INVALID_ARGUMENT,
        "lease_id is empty");
    assertStatus(() -> stub.registerWorker(RegisterWorkerRequest.newBuilder()
        .setWorkerId(ByteString.copyFrom(new byte[16])).setPort(1234).setPid(1).build()), Status.Code.NOT_FOUND,
        "not started by this raylet");
    assertStatus(() -> stub.registerWorker(RegisterWorkerRequest.getDefaultInstance()), Status.Code.INVALID_ARGUMENT,
        "worker_id is empty");
    assertStatus(() -> stub.registerDriver(RegisterDriverRequest.getDefaultInstance()), Status.Code.INVALID_ARGUMENT,
        "job_id is empty");
    assertStatus(() -> stub.requestWorkerLease(RequestWorkerLeaseRequest.newBuilder()
        .setJobId(ByteString.copyFrom(new byte[4])).setOwner(Address.newBuilder()
            .setWorkerId(ByteString.copyFrom(new byte[16]))).putResources("CPU", Double.NaN).build()).next(),
        Status.Code.INVALID_ARGUMENT, "must be finite");
    GetNodeStatsReply after = stub.getNodeStats(GetNodeStatsRequest.getDefaultInstance());
    assertThat(after.getAvailableResourcesMap()).isEqualTo(before.getAvailableResourcesMap());
    assertThat(after.getWorkersCount()).isEqualTo(before.getWorkersCount());
    assertThat(after.getDemandList()).isEqualTo(before.getDemandList());
  }

  @Test
  void coreWorkerRejectsBadObjectIdsAndAnswersNotFoundOrFinishedForUnknownOnes() {
    ManagedChannel ch = Rpc.channel("127.0.0.1", driverPort(), cluster.token());
    try {
      var stub = CoreWorkerServiceGrpc.newBlockingStub(ch);
      assertStatus(() -> stub.getObject(GetObjectRequest.newBuilder().setObjectId(ByteString.copyFrom(new byte[5]))
          .build()), Status.Code.INVALID_ARGUMENT, "object_id must be 20 bytes");
      assertThat(stub.getObject(GetObjectRequest.newBuilder().setObjectId(ByteString.copyFrom(new byte[20])).build())
          .getStatus()).isEqualTo(GetObjectReply.Status.NOT_FOUND);
      // JRay.cancel from a borrower: the id must name a task's return; an unknown task is left alone
      assertStatus(() -> stub.cancelTask(CancelTaskRequest.newBuilder().setObjectId(ByteString.copyFrom(new byte[5]))
          .build()), Status.Code.INVALID_ARGUMENT, "object_id must be 20 bytes");
      ObjectRef<Integer> put = JRay.put(1);
      assertStatus(() -> stub.cancelTask(CancelTaskRequest.newBuilder().setObjectId(ByteString.copyFrom(
          put.id().bytes())).setForce(true).build()), Status.Code.INVALID_ARGUMENT, "made by put");
      ObjectRef<Integer> done = JRay.task(TestTasks::noop, 3).remote();
      assertThat(done.get()).isEqualTo(3);
      assertThat(stub.cancelTask(CancelTaskRequest.newBuilder().setObjectId(ByteString.copyFrom(done.id().bytes()))
          .setForce(true).build()).getOutcome()).isEqualTo(CancelTaskReply.Outcome.FINISHED);
      assertThat(done.get()).isEqualTo(3);
    } finally {
      ch.shutdownNow();
    }
  }

  @Test
  void malformedActorRequestsAreRejectedAndChangeNothing() {
    var stub = GcsServiceGrpc.newBlockingStub(gcs);
    var before = stub.getAllActors(io.jray.proto.GetAllActorsRequest.getDefaultInstance());
    ByteString actorId = ByteString.copyFrom(new byte[16]);
    io.jray.proto.ActorInfo good = io.jray.proto.ActorInfo.newBuilder().setActorId(actorId)
        .setJobId(ByteString.copyFrom(new byte[] {0, 0, 0, 1})).setClassName("demo.Counter").setMaxConcurrency(1)
        .setMaxPendingCalls(1).setOwner(io.jray.proto.Address.newBuilder().setWorkerId(ByteString.copyFrom(
            new byte[16]))).build();
    assertStatus(() -> stub.registerActor(io.jray.proto.RegisterActorRequest.newBuilder().setActor(good.toBuilder()
        .setActorId(ByteString.copyFrom(new byte[3]))).build()), Status.Code.INVALID_ARGUMENT, "actor_id must be 16");
    assertStatus(() -> stub.registerActor(io.jray.proto.RegisterActorRequest.newBuilder().setActor(good.toBuilder()
        .setClassName("")).build()), Status.Code.INVALID_ARGUMENT, "class_name is empty");
    assertStatus(() -> stub.registerActor(io.jray.proto.RegisterActorRequest.newBuilder().setActor(good.toBuilder()
        .setMaxRestarts(-2)).build()), Status.Code.INVALID_ARGUMENT, "max_restarts");
    assertStatus(() -> stub.registerActor(io.jray.proto.RegisterActorRequest.newBuilder().setActor(good.toBuilder()
        .putResources("CPU", Double.NaN)).build()), Status.Code.INVALID_ARGUMENT, "finite");
    assertStatus(() -> stub.createActor(io.jray.proto.CreateActorGcsRequest.newBuilder().setActor(good).build()),
        Status.Code.INVALID_ARGUMENT, "creation is missing");
    assertStatus(() -> stub.killActor(io.jray.proto.KillActorRequest.newBuilder().setActorId(actorId).build()),
        Status.Code.NOT_FOUND, "unknown actor");
    assertStatus(() -> stub.getActor(io.jray.proto.GetActorRequest.newBuilder().setActorId(ByteString.copyFrom(
        new byte[2])).build()), Status.Code.INVALID_ARGUMENT, "actor_id must be 16");
    assertStatus(() -> stub.getNamedActor(io.jray.proto.GetNamedActorRequest.getDefaultInstance()),
        Status.Code.INVALID_ARGUMENT, "name is empty");
    assertThat(stub.getAllActors(io.jray.proto.GetAllActorsRequest.getDefaultInstance())).isEqualTo(before);

    // a driver cannot host an actor; a worker is asked only by GCS, and only with a whole request
    ManagedChannel ch = Rpc.channel("127.0.0.1", driverPort(), cluster.token());
    try {
      assertStatus(() -> CoreWorkerServiceGrpc.newBlockingStub(ch).createActor(
          io.jray.proto.CreateActorRequest.getDefaultInstance()), Status.Code.INVALID_ARGUMENT, "a driver cannot host");
    } finally {
      ch.shutdownNow();
    }
  }
}
