package io.jray.it;

import static io.jray.it.BadInputCalls.DEADLINE_SECONDS;
import static io.jray.it.BadInputCalls.assertStatus;
import static io.jray.it.BadInputCalls.statusOf;
import static io.jray.it.BadInputCalls.stream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.common.process.NodeOptions;
import io.jray.it.BadInputCalls.Ended;
import io.jray.it.BadInputCalls.Finish;
import io.jray.proto.*;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bad input on every service (issue 12 §3): GCS, its package calls, the node manager and the
 * object store on the raylet port, and core workers (a driver and a worker), unary and streaming.
 * A call without the token or with a wrong one, a malformed field, an oversized message or a
 * stream broken off part way each get a status with a message, and change no stored state.
 */
class ServiceBadInputIT {
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(2)).driver();
  private static final HexFormat HEX = HexFormat.of();
  private static ManagedChannel gcs;
  private static ManagedChannel raylet;
  private static ManagedChannel driver;

  @BeforeAll
  static void channels() {
    gcs = BadInputCalls.channel(cluster.gcs().port(), cluster.token());
    raylet = BadInputCalls.channel(cluster.raylet(0).port(), cluster.token());
    driver = BadInputCalls.channel(driverPort(), cluster.token());
  }

  @AfterAll
  static void closeChannels() {
    for (ManagedChannel c : List.of(gcs, raylet, driver)) {
      c.shutdownNow();
    }
  }

  private static GcsServiceGrpc.GcsServiceBlockingStub gcsStub(ManagedChannel ch) {
    return GcsServiceGrpc.newBlockingStub(ch).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  private static GcsServiceGrpc.GcsServiceStub gcsAsync(ManagedChannel ch) {
    return GcsServiceGrpc.newStub(ch).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  private static NodeManagerServiceGrpc.NodeManagerServiceBlockingStub nodeStub(ManagedChannel ch) {
    return NodeManagerServiceGrpc.newBlockingStub(ch).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  private static ObjectStoreServiceGrpc.ObjectStoreServiceBlockingStub storeStub(ManagedChannel ch) {
    return ObjectStoreServiceGrpc.newBlockingStub(ch).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  private static CoreWorkerServiceGrpc.CoreWorkerServiceBlockingStub workerStub(ManagedChannel ch) {
    return CoreWorkerServiceGrpc.newBlockingStub(ch).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  private static CoreWorkerServiceGrpc.CoreWorkerServiceStub workerAsync(ManagedChannel ch) {
    return CoreWorkerServiceGrpc.newStub(ch).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  /** The driver's core worker port, from the owner address inside one of its ObjectRefs. */
  static int driverPort() {
    ObjectRef<Integer> r = JRay.put(1);
    try {
      var m = r.getClass().getDeclaredField("ownerPort");
      m.setAccessible(true);
      return (int) m.get(r);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  /** A registered worker of the head node: one that ran a task, idle in the pool afterwards. */
  private static WorkerStats aWorker() {
    assertThat(JRay.task(TestTasks::noop, 7).remote().get(Duration.ofMinutes(1))).isEqualTo(7);
    return await().atMost(Duration.ofSeconds(60)).until(
        () -> cluster.nodeStats().getWorkersList().stream().filter(w -> w.getPort() > 0).findFirst().orElse(null),
        w -> w != null);
  }

  private static ByteString zeros(int n) {
    return ByteString.copyFrom(new byte[n]);
  }

  private static ByteString random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return ByteString.copyFrom(b);
  }

  private static String sha256(byte[] data) throws Exception {
    return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }

  /** An upload of {@code data} in the 1 MiB chunks GCS takes, the first naming the package. */
  private static List<PackageChunk> chunks(String sha, byte[] data) {
    List<PackageChunk> out = new ArrayList<>();
    int chunk = io.jray.common.gcs.GcsClient.PACKAGE_CHUNK_BYTES;
    for (int off = 0; off < data.length; off += chunk) {
      PackageChunk.Builder c = PackageChunk.newBuilder()
          .setData(ByteString.copyFrom(data, off, Math.min(chunk, data.length - off)));
      if (off == 0) {
        c.setSha256(sha).setSize(data.length);
      }
      out.add(c.build());
    }
    return out;
  }

  private static boolean packageMissing(String sha) {
    return gcsStub(gcs).findMissingPackages(FindMissingPackagesRequest.newBuilder().addSha256(sha).build())
        .getMissingList().contains(sha);
  }

  private static PushTaskRequest noopPush(ByteString taskId) {
    return PushTaskRequest.newBuilder().addTasks(TaskSpec.newBuilder().setTaskId(taskId).setJobId(zeros(4))
        .setReturnObjectId(zeros(20)).setOwner(Address.newBuilder().setWorkerId(zeros(16)))
        .setFunction(FunctionDescriptor.newBuilder().setClassName(TestTasks.class.getName()).setMethodName("noop")
            .setMethodDescriptor("(I)I"))).build();
  }

  @Test
  void everyServiceRefusesCallsWithoutOrWithAWrongTokenUnaryAndStreamingAndChangesNothing() throws Exception {
    WorkerStats worker = aWorker();
    ObjectRef<byte[]> stored = JRay.put(TestTasks.bytes(1 << 20, 1));
    ByteString storedId = ByteString.copyFrom(stored.id().bytes());
    byte[] pkg = TestTasks.bytes(3 << 20, 2);
    String sha = sha256(pkg);
    StoreStats storeBefore = cluster.nodeStats().getStore();
    GetNodeStatsReply nodeBefore = cluster.nodeStats();
    int tried = 0;
    for (String token : new String[] {null, "not-the-token"}) {
      ManagedChannel g = BadInputCalls.channel(cluster.gcs().port(), token);
      ManagedChannel r = BadInputCalls.channel(cluster.raylet(0).port(), token);
      ManagedChannel d = BadInputCalls.channel(driverPort(), token);
      ManagedChannel w = BadInputCalls.channel(worker.getPort(), token);
      try {
        Map<String, ThrowingCallable> unary = new java.util.LinkedHashMap<>();
        unary.put("GCS KvPut", () -> gcsStub(g).kvPut(KvPutRequest.newBuilder().setKey("auth-probe")
            .setValue(ByteString.copyFromUtf8("x")).build()));
        unary.put("GCS GetAllNodes", () -> gcsStub(g).getAllNodes(GetAllNodesRequest.getDefaultInstance()));
        unary.put("GCS Subscribe (server stream)", () -> gcsStub(g).subscribe(SubscribeRequest.getDefaultInstance())
            .next());
        unary.put("package FindMissingPackages", () -> gcsStub(g).findMissingPackages(
            FindMissingPackagesRequest.newBuilder().addSha256(sha).build()));
        unary.put("package GetPackageChunk", () -> gcsStub(g).getPackageChunk(GetPackageChunkRequest.newBuilder()
            .setSha256(sha).build()));
        unary.put("node manager GetNodeStats", () -> nodeStub(r).getNodeStats(GetNodeStatsRequest.getDefaultInstance()));
        unary.put("node manager RequestWorkerLease (server stream)", () -> nodeStub(r).requestWorkerLease(
            RequestWorkerLeaseRequest.newBuilder().setJobId(zeros(4)).putResources("CPU", 1)
                .setOwner(Address.newBuilder().setWorkerId(zeros(16))).build()).next());
        unary.put("object store Create", () -> storeStub(r).create(StoreCreateRequest.newBuilder()
            .setObjectId(random(20, 3)).setSize(1 << 20).setWorkerId(zeros(16)).build()));
        unary.put("object store Delete", () -> storeStub(r).delete(StoreDeleteRequest.newBuilder()
            .setObjectId(storedId).build()));
        unary.put("object store ReadChunk", () -> storeStub(r).readChunk(ReadChunkRequest.newBuilder()
            .setObjectId(storedId).setLength(1024).build()));
        unary.put("core worker GetObject (driver)", () -> workerStub(d).getObject(GetObjectRequest.newBuilder()
            .setObjectId(storedId).build()));
        unary.put("core worker Exit (worker)", () -> workerStub(w).exit(ExitRequest.newBuilder()
            .setReason("a caller without the token").build()));
        for (var e : unary.entrySet()) {
          Status s = statusOf(e.getValue());
          assertThat(s.getCode()).as("%s with token %s: %s", e.getKey(), token, s).isEqualTo(Status.Code.UNAUTHENTICATED);
          assertThat(s.getDescription()).contains(token == null ? "missing cluster token" : "wrong cluster token");
          tried++;
        }
        Ended<UploadPackageReply> upload = stream(gcsAsync(g)::uploadPackage, chunks(sha, pkg), Finish.HALF_CLOSE);
        Ended<PushTaskReply> push = stream(workerAsync(w)::pushTasks, List.of(noopPush(random(16, 4))),
            Finish.HALF_CLOSE);
        for (Ended<?> e : List.of(upload, push)) {
          assertThat(e.status().getCode()).as("stream with token %s: %s", token, e.status())
              .isEqualTo(Status.Code.UNAUTHENTICATED);
          assertThat(e.replies()).isEmpty();
          tried++;
        }
      } finally {
        for (ManagedChannel c : List.of(g, r, d, w)) {
          c.shutdownNow();
        }
      }
    }
    System.out.printf("ServiceBadInputIT: %d calls without or with a wrong token, all UNAUTHENTICATED%n", tried);
    assertThat(gcsStub(gcs).kvGet(KvGetRequest.newBuilder().setKey("auth-probe").build()).getFound()).isFalse();
    assertThat(packageMissing(sha)).as("the unauthenticated upload stored nothing").isTrue();
    assertThat(ProcessHandle.of(worker.getPid()).map(ProcessHandle::isAlive)).as("the worker asked to exit")
        .contains(true);
    // other tests' objects may be freed meanwhile (their refs collected): count only what could have come
    StoreStats storeAfter = cluster.nodeStats().getStore();
    assertThat(storeAfter.getObjectCount()).isLessThanOrEqualTo(storeBefore.getObjectCount());
    assertThat(storeAfter.getUnsealedObjects()).isZero();
    assertThat(storeStub(raylet).get(StoreGetRequest.newBuilder().setObjectId(random(20, 3))
        .setWorkerId(zeros(16)).build()).getFound()).as("the unauthenticated Create").isFalse();
    assertThat(cluster.nodeStats().getDemandList()).isEqualTo(nodeBefore.getDemandList());
    assertThat(stored.get()).isEqualTo(TestTasks.bytes(1 << 20, 1));
  }

  @Test
  void objectStoreAnswersBadOffsetsSizesAndIdsWithAStatusAndKeepsItsObjects() {
    byte[] data = TestTasks.bytes(1 << 20, 5);
    ObjectRef<byte[]> ref = JRay.put(data);
    ByteString id = ByteString.copyFrom(ref.id().bytes());
    StoreStats before = storeStub(raylet).stats(StoreStatsRequest.getDefaultInstance());
    long size = storeStub(raylet).get(StoreGetRequest.newBuilder().setObjectId(id).setWorkerId(random(16, 6)).build()).getSize();
    storeStub(raylet).release(StoreReleaseRequest.newBuilder().setObjectId(id).setWorkerId(random(16, 6)).build());

    // the overflow: offset + length wrapped negative and passed the bounds check; the slice then
    // threw on the store loop and the call was never answered (DEADLINE_EXCEEDED here)
    for (long[] bad : new long[][] {{Long.MAX_VALUE - 10, 100}, {Long.MAX_VALUE, Long.MAX_VALUE}, {-1, 10},
        {size, 1}, {0, size + 1}, {1, Long.MAX_VALUE}, {size - 1, Integer.MAX_VALUE}}) {
      assertStatus(() -> storeStub(raylet).readChunk(ReadChunkRequest.newBuilder().setObjectId(id).setOffset(bad[0])
          .setLength(bad[1]).build()), Status.Code.OUT_OF_RANGE, "is outside object");
    }
    assertStatus(() -> storeStub(raylet).readChunk(ReadChunkRequest.newBuilder().setObjectId(id).setOffset(0).setLength(0)
        .build()), Status.Code.OUT_OF_RANGE, "is outside object");
    assertStatus(() -> storeStub(raylet).readChunk(ReadChunkRequest.newBuilder().setObjectId(random(20, 7)).setLength(1).build()),
        Status.Code.NOT_FOUND, "is not sealed in this store");
    assertStatus(() -> storeStub(raylet).readChunk(ReadChunkRequest.newBuilder().setObjectId(zeros(3)).setLength(1).build()),
        Status.Code.INVALID_ARGUMENT, "object_id must be 20 bytes");
    assertThat(storeStub(raylet).readChunk(ReadChunkRequest.newBuilder().setObjectId(id).setOffset(size - 8).setLength(8).build())
        .getData().size()).as("a chunk inside the object is still served").isEqualTo(8);

    // a create larger than the store used to spill every other object on its way to failing
    for (long huge : new long[] {Long.MAX_VALUE, before.getCapacity() + 1}) {
      assertStatus(() -> storeStub(raylet).create(StoreCreateRequest.newBuilder().setObjectId(random(20, 8)).setSize(huge)
          .setWorkerId(zeros(16)).setPrimary(true).build()), Status.Code.RESOURCE_EXHAUSTED,
          "less than the object alone");
    }
    assertStatus(() -> storeStub(raylet).create(StoreCreateRequest.newBuilder().setObjectId(random(20, 8)).setSize(-5)
        .setWorkerId(zeros(16)).build()), Status.Code.INVALID_ARGUMENT, "size must be > 0");
    assertStatus(() -> storeStub(raylet).create(StoreCreateRequest.newBuilder().setObjectId(random(20, 8)).setSize(10)
        .setWorkerId(zeros(15)).build()), Status.Code.INVALID_ARGUMENT, "worker_id must be 16 bytes");
    assertStatus(() -> storeStub(raylet).create(StoreCreateRequest.newBuilder().setObjectId(random(20, 8)).setSize(10)
        .setWorkerId(zeros(16)).setOwnerWorkerId(zeros(16)).setOwnerNodeId(zeros(2)).build()),
        Status.Code.INVALID_ARGUMENT, "owner_node_id must be empty or 16 bytes");
    assertStatus(() -> storeStub(raylet).seal(StoreSealRequest.newBuilder().setObjectId(random(20, 9)).build()),
        Status.Code.NOT_FOUND, "is not in this store");
    assertStatus(() -> storeStub(raylet).get(StoreGetRequest.newBuilder().setObjectId(id).setWorkerId(ByteString.EMPTY).build()),
        Status.Code.INVALID_ARGUMENT, "worker_id must be 16 bytes");
    assertStatus(() -> storeStub(raylet).release(StoreReleaseRequest.newBuilder().setObjectId(zeros(21)).setWorkerId(zeros(16))
        .build()), Status.Code.INVALID_ARGUMENT, "object_id must be 20 bytes");
    // a delete naming a malformed node deletes nothing, here or anywhere
    assertStatus(() -> storeStub(raylet).delete(StoreDeleteRequest.newBuilder().setObjectId(id).addNodeIds(zeros(16))
        .addNodeIds(zeros(5)).build()), Status.Code.INVALID_ARGUMENT, "node_ids[1] must be 16 bytes");
    assertStatus(() -> storeStub(raylet).fetch(StoreFetchRequest.newBuilder().setObjectId(random(20, 10)).setSize(-1)
        .setFromNodeId(zeros(16)).build()), Status.Code.INVALID_ARGUMENT, "size must be > 0");
    assertStatus(() -> storeStub(raylet).fetch(StoreFetchRequest.newBuilder().setObjectId(random(20, 10)).setSize(100)
        .setFromNodeId(random(16, 11)).build()), Status.Code.UNAVAILABLE, "not alive");

    StoreStats after = storeStub(raylet).stats(StoreStatsRequest.getDefaultInstance());
    assertThat(after.getObjectCount()).isEqualTo(before.getObjectCount());
    assertThat(after.getSpillCount()).as("nothing was spilled for the oversized creates")
        .isEqualTo(before.getSpillCount());
    assertThat(after.getUnsealedObjects()).isZero();
    assertThat(ref.get()).isEqualTo(data);
    assertThat(JRay.task(TestTasks::crc, ref).remote().get(Duration.ofMinutes(1))).isEqualTo(TestTasks.crc(data));
  }

  @Test
  void nodeManagerRejectsMalformedLeasesAndDriversAndKeepsItsResources() {
    // a lease of an earlier test may still be held (an owner keeps an idle lease a while): start at rest
    GetNodeStatsReply before = await().atMost(Duration.ofSeconds(60)).until(
        () -> nodeStub(raylet).getNodeStats(GetNodeStatsRequest.getDefaultInstance()),
        s -> s.getAvailableResourcesMap().equals(s.getTotalResourcesMap()));
    RequestWorkerLeaseRequest good = RequestWorkerLeaseRequest.newBuilder().setJobId(zeros(4))
        .putResources("CPU", 1).setOwner(Address.newBuilder().setWorkerId(zeros(16))).build();
    // a short affinity node id threw on raylet-loop: the lease stream was never answered
    assertStatus(() -> nodeStub(raylet).requestWorkerLease(good.toBuilder().setStrategy(SchedulingStrategySpec.newBuilder()
        .setKind(SchedulingStrategySpec.Kind.NODE_AFFINITY).setNodeId(zeros(3))).build()).next(),
        Status.Code.INVALID_ARGUMENT, "strategy.node_id must be 16 bytes");
    assertStatus(() -> nodeStub(raylet).requestWorkerLease(good.toBuilder().setStrategy(SchedulingStrategySpec.newBuilder()
        .setKindValue(7)).build()).next(), Status.Code.INVALID_ARGUMENT, "strategy.kind 7");
    assertStatus(() -> nodeStub(raylet).requestWorkerLease(good.toBuilder().setOwner(Address.newBuilder()
        .setWorkerId(zeros(5))).build()).next(), Status.Code.INVALID_ARGUMENT, "owner.worker_id must be 16 bytes");
    assertStatus(() -> nodeStub(raylet).requestWorkerLease(good.toBuilder().putPlacementResources("CPU", Double.NaN).build())
        .next(), Status.Code.INVALID_ARGUMENT, "placement resource CPU must be finite");
    assertStatus(() -> nodeStub(raylet).requestWorkerLease(good.toBuilder().putResources("CPU", 1e300).build()).next(),
        Status.Code.INVALID_ARGUMENT, "must be finite and 0..");
    assertStatus(() -> nodeStub(raylet).requestWorkerLease(good.toBuilder().setActorId(zeros(3)).build()).next(),
        Status.Code.INVALID_ARGUMENT, "actor_id must be empty or 16 bytes");
    // a well-formed request for a job GCS never had waited forever; now it fails with the reason
    assertStatus(() -> nodeStub(raylet).requestWorkerLease(good.toBuilder().setJobId(ByteString.copyFrom(new byte[] {0x7f, 1, 2, 3}))
        .build()).next(), Status.Code.FAILED_PRECONDITION, "GCS does not know job");
    long deadPid = deadPid();
    assertStatus(() -> nodeStub(raylet).registerDriver(RegisterDriverRequest.newBuilder().setJobId(zeros(4)).setPid(deadPid)
        .build()), Status.Code.INVALID_ARGUMENT, "is not a live process");
    assertStatus(() -> nodeStub(raylet).notifyBlocked(NotifyBlockedRequest.newBuilder().setWorkerId(zeros(17)).build()),
        Status.Code.INVALID_ARGUMENT, "worker_id must be 16 bytes");

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      GetNodeStatsReply after = nodeStub(raylet).getNodeStats(GetNodeStatsRequest.getDefaultInstance());
      assertThat(after.getAvailableResourcesMap()).isEqualTo(before.getAvailableResourcesMap());
      assertThat(after.getDemandList()).isEqualTo(before.getDemandList());
      assertThat(after.getLeasesGranted()).isEqualTo(before.getLeasesGranted());
    });
    assertThat(JRay.task(TestTasks::increment, 1).remote().get(Duration.ofMinutes(1))).isEqualTo(2);
  }

  /** A pid no process has now: a child that has exited. */
  private static long deadPid() {
    try {
      Process p = new ProcessBuilder("true").start();
      p.waitFor();
      return p.pid();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void gcsRejectsMalformedReportsPackageReadsAndSubscriptionsAndKeepsItsTables() throws Exception {
    GetAllNodesReply nodesBefore = gcsStub(gcs).getAllNodes(GetAllNodesRequest.getDefaultInstance());
    GetAllJobsReply jobsBefore = gcsStub(gcs).getAllJobs(GetAllJobsRequest.getDefaultInstance());
    ByteString headId = nodesBefore.getNodes(0).getNodeId();
    assertStatus(() -> gcsStub(gcs).reportResources(ResourceReport.newBuilder().setNodeId(headId).putTotal("CPU", Double.NaN)
        .build()), Status.Code.INVALID_ARGUMENT, "total: resource 'CPU'");
    assertStatus(() -> gcsStub(gcs).reportResources(ResourceReport.newBuilder().setNodeId(headId).addDemand(ResourceDemand
        .newBuilder().setCount(-3)).build()), Status.Code.INVALID_ARGUMENT, "demand[0].count must be >= 0");
    assertStatus(() -> gcsStub(gcs).reportResources(ResourceReport.newBuilder().setNodeId(headId).addDemand(ResourceDemand
        .newBuilder().putShape("CPU", -1)).build()), Status.Code.INVALID_ARGUMENT, "demand[0].shape");
    assertStatus(() -> gcsStub(gcs).getWorkerDeaths(GetWorkerDeathsRequest.newBuilder().setLimit(-1).build()),
        Status.Code.INVALID_ARGUMENT, "limit must be 0");
    assertStatus(() -> gcsStub(gcs).subscribe(SubscribeRequest.newBuilder().addChannels(SubscribeRequest.Channel
        .CHANNEL_UNSPECIFIED).build()).next(), Status.Code.INVALID_ARGUMENT, "");

    byte[] pkg = TestTasks.bytes((1 << 20) + 17, 12);
    String sha = sha256(pkg);
    assertThat(stream(gcsAsync(gcs)::uploadPackage, chunks(sha, pkg), Finish.HALF_CLOSE).status().isOk()).isTrue();
    for (int index : new int[] {-1, 2, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
      assertStatus(() -> gcsStub(gcs).getPackageChunk(GetPackageChunkRequest.newBuilder().setSha256(sha).setIndex(index).build()),
          Status.Code.INVALID_ARGUMENT, "has 2 chunks; asked for " + index);
    }
    assertStatus(() -> gcsStub(gcs).getPackageChunk(GetPackageChunkRequest.newBuilder().setSha256("0".repeat(64)).build()),
        Status.Code.NOT_FOUND, "no package");
    assertStatus(() -> gcsStub(gcs).getPackageChunk(GetPackageChunkRequest.newBuilder().setSha256("ZZ").build()),
        Status.Code.INVALID_ARGUMENT, "sha256 must be 64 lower-case hex digits");
    assertStatus(() -> gcsStub(gcs).findMissingPackages(FindMissingPackagesRequest.newBuilder().addSha256("").build()),
        Status.Code.INVALID_ARGUMENT, "sha256 must be 64");
    // one stream, one package: a second message naming another package ends it, storing nothing
    byte[] other = TestTasks.bytes(3 << 20, 13);
    String otherSha = sha256(other);
    List<PackageChunk> mixed = new ArrayList<>(chunks(otherSha, other));
    mixed.set(1, mixed.get(1).toBuilder().setSha256(sha).build());
    Ended<UploadPackageReply> m = stream(gcsAsync(gcs)::uploadPackage, mixed, Finish.HALF_CLOSE);
    assertThat(m.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(m.status().getDescription()).contains("one upload stream carries one package");
    assertThat(packageMissing(otherSha)).isTrue();

    assertThat(gcsStub(gcs).getAllNodes(GetAllNodesRequest.getDefaultInstance())).isEqualTo(nodesBefore);
    assertThat(gcsStub(gcs).getAllJobs(GetAllJobsRequest.getDefaultInstance())).isEqualTo(jobsBefore);
  }

  @Test
  void coreWorkersRejectMalformedPushesAndBorrowsAndADriverDoesNotExitOnRequest() {
    WorkerStats worker = aWorker();
    ManagedChannel w = BadInputCalls.channel(worker.getPort(), cluster.token());
    try {
      Ended<PushTaskReply> shortId = stream(workerAsync(w)::pushTasks, List.of(noopPush(zeros(3))), Finish.NOTHING);
      assertThat(shortId.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(shortId.status().getDescription()).contains("tasks[0].task_id must be 16 bytes");
      PushTaskRequest noArg = noopPush(random(16, 14)).toBuilder().setTasks(0, noopPush(random(16, 14)).getTasks(0)
          .toBuilder().addArgs(TaskArg.getDefaultInstance())).build();
      Ended<PushTaskReply> emptyArg = stream(workerAsync(w)::pushTasks, List.of(noArg), Finish.NOTHING);
      assertThat(emptyArg.status().getDescription()).contains("args[0] has neither a value nor a reference");
      PushTaskRequest negative = noopPush(random(16, 15)).toBuilder().setFirstSequenceNumber(-4).build();
      assertThat(stream(workerAsync(w)::pushTasks, List.of(negative), Finish.NOTHING).status().getDescription())
          .contains("first_sequence_number must be >= 0");
    } finally {
      w.shutdownNow();
    }
    assertStatus(() -> workerStub(driver).exit(ExitRequest.newBuilder().setReason("fuzz").build()), Status.Code.FAILED_PRECONDITION,
        "a driver does not exit on request");
    assertStatus(() -> workerStub(driver).addBorrowers(AddBorrowersRequest.newBuilder().addBorrows(BorrowChange.newBuilder()
        .setObjectId(zeros(20))).build()), Status.Code.INVALID_ARGUMENT, "borrow 0");
    assertStatus(() -> workerStub(driver).addObjectLocation(AddObjectLocationRequest.newBuilder().setObjectId(zeros(20))
        .setNodeId(zeros(4)).build()), Status.Code.INVALID_ARGUMENT, "node_id 16");
    assertThat(ProcessHandle.of(worker.getPid()).map(ProcessHandle::isAlive)).contains(true);
    assertThat(JRay.task(TestTasks::increment, 41).remote().get(Duration.ofMinutes(1))).isEqualTo(42);
  }

  @Test
  void bytesThatAreNoValidMessageGetInvalidArgumentNamingTheMethodOnEveryServer() {
    // a start-group tag never closed, and a length that runs past the end: both fail to parse
    ManagedChannel worker = BadInputCalls.channel(aWorker().getPort(), cluster.token());
    for (byte[] garbage : List.of(new byte[] {0x0b}, new byte[] {0x0a, 0x7f, 1})) {
      for (var target : List.of(Map.entry(gcs, GcsServiceGrpc.getKvPutMethod()),
          Map.entry(gcs, GcsServiceGrpc.getSubscribeMethod()),
          Map.entry(raylet, NodeManagerServiceGrpc.getRequestWorkerLeaseMethod()),
          Map.entry(raylet, ObjectStoreServiceGrpc.getSealMethod()),
          Map.entry(driver, CoreWorkerServiceGrpc.getGetObjectMethod()),
          Map.entry(worker, CoreWorkerServiceGrpc.getPushTasksMethod()))) {
        Status s = BadInputCalls.rawCall(target.getKey(), target.getValue(), garbage);
        assertThat(s.getCode()).as("%s: %s", target.getValue().getFullMethodName(), s)
            .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(s.getDescription()).contains(target.getValue().getFullMethodName())
            .contains("is not a valid message");
      }
    }
    worker.shutdownNow();
    // and the servers still answer well-formed calls
    assertThat(gcsStub(gcs).kvGet(KvGetRequest.newBuilder().setKey("never-written").build()).getFound()).isFalse();
    assertThat(nodeStub(raylet).getNodeStats(GetNodeStatsRequest.getDefaultInstance()).getNodeId()).isNotEmpty();
    assertThat(JRay.task(TestTasks::increment, 1).remote().get(Duration.ofMinutes(1))).isEqualTo(2);
  }

  @Test
  void oversizedMessagesAreRefusedByEveryServerBeforeAnyHandler() {
    ByteString big = random((64 << 20) + 1, 16);
    String key = "oversized-probe";
    assertStatus(() -> gcsStub(gcs).kvPut(KvPutRequest.newBuilder().setKey(key).setValue(big).build()),
        Status.Code.RESOURCE_EXHAUSTED, "");
    assertStatus(() -> nodeStub(raylet).returnWorker(ReturnWorkerRequest.newBuilder().setLeaseId(big).build()),
        Status.Code.RESOURCE_EXHAUSTED, "");
    assertStatus(() -> storeStub(raylet).seal(StoreSealRequest.newBuilder().setObjectId(big).build()),
        Status.Code.RESOURCE_EXHAUSTED, "");
    assertStatus(() -> workerStub(driver).getObject(GetObjectRequest.newBuilder().setObjectId(big).build()),
        Status.Code.RESOURCE_EXHAUSTED, "");
    assertThat(gcsStub(gcs).kvGet(KvGetRequest.newBuilder().setKey(key).build()).getFound()).isFalse();
    // below the cap is fine: 8 MiB in the KV
    ByteString eight = random(8 << 20, 17);
    assertThat(gcsStub(gcs).kvPut(KvPutRequest.newBuilder().setKey(key).setValue(eight).build()).getAdded()).isTrue();
    assertThat(gcsStub(gcs).kvGet(KvGetRequest.newBuilder().setKey(key).build()).getValue()).isEqualTo(eight);
    assertThat(gcsStub(gcs).kvDel(KvDelRequest.newBuilder().setKey(key).build()).getDeleted()).isTrue();
  }

  @Test
  void streamsBrokenOffPartWayLeaveNothingBehind() throws Exception {
    byte[] pkg = TestTasks.bytes(3 << 20, 18);
    String sha = sha256(pkg);
    List<PackageChunk> all = chunks(sha, pkg);
    Ended<UploadPackageReply> cancelled = stream(gcsAsync(gcs)::uploadPackage, all.subList(0, 2), Finish.CANCEL);
    assertThat(cancelled.status().getCode()).isEqualTo(Status.Code.CANCELLED);
    Ended<UploadPackageReply> halfClosed = stream(gcsAsync(gcs)::uploadPackage, all.subList(0, 1), Finish.HALF_CLOSE);
    assertThat(halfClosed.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(halfClosed.status().getDescription()).contains("got 1048576 of " + pkg.length + " bytes");
    Ended<UploadPackageReply> empty = stream(gcsAsync(gcs)::uploadPackage, List.of(), Finish.HALF_CLOSE);
    assertThat(empty.status().getDescription()).contains("needs at least one message naming the package");
    assertThat(packageMissing(sha)).isTrue();
    // the whole upload afterwards is stored: nothing of the broken ones was in the way
    assertThat(stream(gcsAsync(gcs)::uploadPackage, all, Finish.HALF_CLOSE).replies())
        .containsExactly(UploadPackageReply.newBuilder().setStored(true).build());

    // a queued lease request withdrawn by cancelling the call leaves no demand behind
    var leases = NodeManagerServiceGrpc.newStub(raylet).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    java.util.concurrent.CompletableFuture<LeaseUpdate> first = new java.util.concurrent.CompletableFuture<>();
    io.grpc.Context.CancellableContext ctx = io.grpc.Context.current().withCancellation();
    ctx.run(() -> leases.requestWorkerLease(RequestWorkerLeaseRequest.newBuilder()
        .setJobId(ByteString.copyFrom(JRay.runtimeContext().jobId().bytes())).putResources("probeGPU", 1)
        .setOwner(Address.newBuilder().setWorkerId(random(16, 19))).build(), new io.grpc.stub.StreamObserver<>() {
          @Override
          public void onNext(LeaseUpdate u) {
            first.complete(u);
          }

          @Override
          public void onError(Throwable t) {
            first.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        }));
    assertThat(first.get(DEADLINE_SECONDS, TimeUnit.SECONDS).getNotice().getKind())
        .isEqualTo(LeaseNotice.Kind.INFEASIBLE);
    assertThat(cluster.nodeStats().getDemandList()).anyMatch(dm -> dm.getShapeMap().containsKey("probeGPU"));
    ctx.cancel(null);
    await().atMost(Duration.ofSeconds(30)).until(() -> cluster.nodeStats().getDemandList().stream()
        .noneMatch(dm -> dm.getShapeMap().containsKey("probeGPU")));

    // a push stream half-closed with nothing sent ends cleanly, and the worker goes on
    WorkerStats worker = aWorker();
    ManagedChannel w = BadInputCalls.channel(worker.getPort(), cluster.token());
    try {
      assertThat(stream(workerAsync(w)::pushTasks, List.of(), Finish.HALF_CLOSE).status().isOk()).isTrue();
    } finally {
      w.shutdownNow();
    }
    assertThat(JRay.task(TestTasks::increment, 2).remote().get(Duration.ofMinutes(1))).isEqualTo(3);
  }
}
