package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.jray.api.ActorHandle;
import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.common.process.NodeOptions;
import io.jray.proto.*;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The property-based part of issue 12 §3: thousands of random and mutated requests
 * ({@link RequestMutator}, seeded) to every method of every service of a live cluster (GCS, its
 * package calls and task events, the node manager, log and object-store services of a raylet, the
 * core worker and owner-state services of the driver and of a worker), while a job runs. Every
 * call must end with a status (none unanswered, none UNKNOWN, which is what an exception escaping
 * a handler becomes), and afterwards the node, job and actor tables, the KV, the store's objects
 * and the running job are as before.
 */
class RandomRequestsBadInputIT {
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(2)).driver();
  private static final long SEED = Long.getLong("badinput.seed", 12_3L);
  private static final int PER_TARGET = Integer.getInteger("badinput.requests", 2_000);
  /** Generous on a loaded machine; a healthy answer to a bad request takes milliseconds. */
  private static final long CALL_SECONDS = 10;
  /** For the calls that may wait by design: long enough to see a refusal, short enough for thousands. */
  private static final long WAITING_CALL_MILLIS = 1_000;
  /**
   * Calls that change state by design when well-formed (a node or a job may end, a worker may be
   * told to exit, a death may be reported): a random request that happens to be well-formed would
   * legitimately change the tables this test checks, so they are left to ServiceBadInputIT. A
   * worker's Exit is left out too (the driver's is fuzzed: a driver never exits on request).
   */
  private static final Set<String> LEFT_OUT = Set.of("jray.GcsService/UnregisterNode",
      "jray.GcsService/RegisterNode", "jray.GcsService/MarkJobFinished", "jray.GcsService/KillActor",
      "jray.GcsService/ReportWorkerDeath");
  /**
   * Calls that wait for something by design: a subscription or a lease may be silent for long, and
   * a store Get waits up to its timeout_ms (capped at 10 minutes) for an object to be sealed.
   */
  private static final Set<String> MAY_WAIT = Set.of("jray.GcsService/Subscribe",
      "jray.NodeManagerService/RequestWorkerLease", "jray.CoreWorkerService/PushTasks",
      "jray.ObjectStoreService/Get");

  /** One process's port and the services on it, with well-formed requests to mutate. */
  private record Target(String name, int port, List<io.grpc.ServiceDescriptor> services, Map<String, List<Message>> seeds) {}

  /** Per target: requests tried, and per method the status codes seen. */
  private record Tally(AtomicInteger tried, Map<String, Map<Status.Code, AtomicInteger>> codes, List<String> bad) {
    Tally() {
      this(new AtomicInteger(), new ConcurrentHashMap<>(), java.util.Collections.synchronizedList(new ArrayList<>()));
    }
  }

  @Test
  void thousandsOfRandomAndMutatedRequestsToEveryServiceLeaveTablesStoreAndARunningJobIntact() throws Exception {
    // the state the fuzz must not disturb
    byte[] bigValue = TestTasks.bytes(2 << 20, 1);
    ObjectRef<byte[]> stored = JRay.put(bigValue);
    ObjectRef<String> inline = JRay.put("small");
    ActorHandle<TestActors.Counter> counter = JRay.actor(TestActors.Counter::new).remote();
    assertThat(counter.task(TestActors.Counter::add, 5).remote().get(Duration.ofMinutes(1))).isEqualTo(5);
    // a worker the fuzz can address; submitting a task in every poll would keep its lease alive
    // (the driver holds a lease briefly for the next task), so the worker is waited for once
    JRay.task(TestTasks::noop, 1).remote().get(Duration.ofMinutes(1));
    WorkerStats worker = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
      return cluster.nodeStats().getWorkersList().stream().filter(w -> w.getPort() > 0)
          .filter(w -> w.getState().equals("IDLE")).findFirst().orElse(null);
    }, w -> w != null);
    ManagedChannel gcs = BadInputCalls.channel(cluster.gcs().port(), cluster.token());
    var gcsStub = GcsServiceGrpc.newBlockingStub(gcs);
    gcsStub.kvPut(KvPutRequest.newBuilder().setKey("badinput-kept").setValue(ByteString.copyFromUtf8("kept")).build());
    GetAllNodesReply nodesBefore = gcsStub.getAllNodes(GetAllNodesRequest.getDefaultInstance());
    GetAllJobsReply jobsBefore = gcsStub.getAllJobs(GetAllJobsRequest.getDefaultInstance());
    GetAllActorsReply actorsBefore = gcsStub.getAllActors(GetAllActorsRequest.getDefaultInstance());
    ByteString storedId = ByteString.copyFrom(stored.id().bytes());
    ByteString jobId = ByteString.copyFrom(JRay.runtimeContext().jobId().bytes());
    ByteString nodeId = nodesBefore.getNodes(0).getNodeId();

    List<Target> targets = List.of(
        new Target("GCS", cluster.gcs().port(), List.of(without(GcsServiceGrpc.getServiceDescriptor(), true),
            TaskEventServiceGrpc.getServiceDescriptor()), Map.of(
                "KvGet", List.of(KvGetRequest.newBuilder().setKey("badinput-kept").build()),
                "GetJob", List.of(GetJobRequest.newBuilder().setJobId(jobId).build()),
                "ReportResources", List.of(ResourceReport.newBuilder().setNodeId(nodeId).putTotal("CPU", 2).build()),
                "GetTasks", List.of(GetTasksRequest.getDefaultInstance()))),
        new Target("package service", cluster.gcs().port(), List.of(without(GcsServiceGrpc.getServiceDescriptor(), false)),
            Map.of("GetPackageChunk", List.of(GetPackageChunkRequest.newBuilder().setSha256("0".repeat(64)).build()),
                "UploadPackage", List.of(PackageChunk.newBuilder().setSha256("1".repeat(64)).setSize(3)
                    .setData(ByteString.copyFromUtf8("abc")).build()))),
        new Target("node manager", cluster.raylet(0).port(), List.of(NodeManagerServiceGrpc.getServiceDescriptor(),
            NodeLogServiceGrpc.getServiceDescriptor()), Map.of(
                // a well-formed lease of the running job would be granted and kept by its owner id
                // until that owner dies (as in Ray): seeded with a job GCS does not have instead
                "RequestWorkerLease", List.of(RequestWorkerLeaseRequest.newBuilder().setJobId(ByteString.copyFrom(
                    new byte[] {0x7f, 0, 0, 1})).putResources("CPU", 1).setOwner(Address.newBuilder()
                        .setWorkerId(ByteString.copyFrom(new byte[16]))).build()))),
        new Target("object store", cluster.raylet(0).port(), List.of(ObjectStoreServiceGrpc.getServiceDescriptor()), Map.of(
            "ReadChunk", List.of(ReadChunkRequest.newBuilder().setObjectId(storedId).setLength(1024).build()),
            "Get", List.of(StoreGetRequest.newBuilder().setObjectId(storedId).setWorkerId(ByteString.copyFrom(new byte[16]))
                .build()))),
        new Target("core worker (driver)", ServiceBadInputIT.driverPort(), List.of(CoreWorkerServiceGrpc.getServiceDescriptor(),
            OwnerStateServiceGrpc.getServiceDescriptor()), Map.of(
                "GetObject", List.of(GetObjectRequest.newBuilder().setObjectId(storedId).build()))),
        new Target("core worker (worker)", worker.getPort(), List.of(without(CoreWorkerServiceGrpc.getServiceDescriptor(),
            "Exit"), OwnerStateServiceGrpc.getServiceDescriptor()), Map.of()));

    // the running job: tasks, an actor and gets all through the fuzz
    AtomicLong jobCalls = new AtomicLong();
    CompletableFuture<Void> stop = new CompletableFuture<>();
    ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
    Future<?> job = pool.submit(() -> {
      for (int i = 0; !stop.isDone(); i++) {
        assertThat(JRay.task(TestTasks::increment, i).remote().get(Duration.ofMinutes(2))).isEqualTo(i + 1);
        assertThat(counter.task(TestActors.Counter::add, 1).remote().get(Duration.ofMinutes(2))).isEqualTo(6 + i);
        assertThat(JRay.task(TestTasks::crc, stored).remote().get(Duration.ofMinutes(2))).isEqualTo(TestTasks.crc(bigValue));
        jobCalls.incrementAndGet();
      }
      return null;
    });

    Map<String, Tally> tallies = new TreeMap<>();
    List<Future<?>> fuzzers = new ArrayList<>();
    for (int t = 0; t < targets.size(); t++) {
      Target target = targets.get(t);
      Tally tally = new Tally();
      tallies.put(target.name(), tally);
      long seed = SEED * 31 + t;
      fuzzers.add(pool.submit(() -> {
        fuzz(target, new RequestMutator(seed), tally);
        return null;
      }));
    }
    for (Future<?> f : fuzzers) {
      f.get(10, TimeUnit.MINUTES);
    }
    stop.complete(null);

    for (var e : tallies.entrySet()) {
      System.out.printf("RandomRequestsBadInputIT (seed %d): %s: %d requests%n", SEED, e.getKey(), e.getValue().tried().get());
      e.getValue().codes().entrySet().stream().sorted(Map.Entry.comparingByKey())
          .forEach(m -> System.out.printf("    %-45s %s%n", m.getKey(), m.getValue()));
    }
    try {
      job.get(5, TimeUnit.MINUTES);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new AssertionError("the running job failed during the fuzz; node now: " + cluster.nodeStats(), e.getCause());
    } finally {
      pool.shutdown();
    }
    System.out.printf("RandomRequestsBadInputIT: the job made %d rounds of calls meanwhile; left out: %s%n", jobCalls.get(),
        LEFT_OUT);
    for (var e : tallies.entrySet()) {
      assertThat(e.getValue().bad()).as("calls to %s that ended without an answer or with UNKNOWN", e.getKey()).isEmpty();
      assertThat(e.getValue().tried().get()).as("requests to %s", e.getKey()).isGreaterThanOrEqualTo(PER_TARGET);
    }
    assertThat(jobCalls.get()).as("the job ran during the fuzz").isPositive();

    // afterwards: every table as before, the store's objects whole, the job still running
    GetAllNodesReply nodesAfter = gcsStub.getAllNodes(GetAllNodesRequest.getDefaultInstance());
    assertThat(nodesAfter.getNodesList()).extracting(NodeInfo::getNodeId, NodeInfo::getState)
        .isEqualTo(nodesBefore.getNodesList().stream().map(n -> org.assertj.core.groups.Tuple.tuple(n.getNodeId(),
            n.getState())).toList());
    assertThat(gcsStub.getAllJobs(GetAllJobsRequest.getDefaultInstance()).getJobsList())
        .extracting(JobInfo::getJobId, JobInfo::getState).containsAll(jobsBefore.getJobsList().stream()
            .map(j -> org.assertj.core.groups.Tuple.tuple(j.getJobId(), j.getState())).toList());
    assertThat(gcsStub.getAllActors(GetAllActorsRequest.getDefaultInstance()).getActorsList())
        .extracting(a -> a.getActorId()).containsAll(actorsBefore.getActorsList().stream().map(a -> a.getActorId()).toList());
    assertThat(gcsStub.kvGet(KvGetRequest.newBuilder().setKey("badinput-kept").build()).getValue().toStringUtf8())
        .isEqualTo("kept");
    assertThat(stored.get()).isEqualTo(bigValue);
    assertThat(inline.get()).isEqualTo("small");
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      GetNodeStatsReply s = cluster.nodeStats();
      assertThat(s.getStore().getUnsealedObjects()).as("objects created by bad requests and never sealed").isZero();
      assertThat(s.getAvailableResourcesMap()).as("resources held by bad leases").isEqualTo(s.getTotalResourcesMap());
    });
    assertThat(counter.task(TestActors.Counter::add, 0).remote().get(Duration.ofMinutes(1)))
        .isEqualTo(5 + (int) jobCalls.get());
    assertThat(JRay.task(TestTasks::increment, 41).remote().get(Duration.ofMinutes(1))).isEqualTo(42);
    gcs.shutdownNow();
  }

  /** The GCS service's package calls ({@code packages} true) or all its other calls. */
  private static io.grpc.ServiceDescriptor without(io.grpc.ServiceDescriptor s, boolean packages) {
    io.grpc.ServiceDescriptor.Builder b = io.grpc.ServiceDescriptor.newBuilder(s.getName()).setSchemaDescriptor(
        s.getSchemaDescriptor());
    for (var m : s.getMethods()) {
      boolean pkg = m.getBareMethodName().contains("Package");
      if (pkg != packages) {
        b.addMethod(m);
      }
    }
    return b.build();
  }

  private static io.grpc.ServiceDescriptor without(io.grpc.ServiceDescriptor s, String method) {
    io.grpc.ServiceDescriptor.Builder b = io.grpc.ServiceDescriptor.newBuilder(s.getName()).setSchemaDescriptor(
        s.getSchemaDescriptor());
    s.getMethods().stream().filter(m -> !m.getBareMethodName().equals(method)).forEach(b::addMethod);
    return b.build();
  }

  /** Sends PER_TARGET requests round the target's methods, counting how each call ended. */
  private static void fuzz(Target target, RequestMutator mutator, Tally tally) {
    ManagedChannel ch = BadInputCalls.channel(target.port(), cluster.token());
    try {
      List<io.grpc.MethodDescriptor<?, ?>> methods = new ArrayList<>();
      for (var s : target.services()) {
        s.getMethods().stream().filter(m -> !LEFT_OUT.contains(m.getFullMethodName())).forEach(methods::add);
      }
      for (int i = 0; i < PER_TARGET; i++) {
        io.grpc.MethodDescriptor<?, ?> m = methods.get(i % methods.size());
        Descriptor input = inputType(m);
        List<Message> seeds = target.seeds().getOrDefault(m.getBareMethodName(), List.of());
        Status s = call(ch, m, () -> mutator.next(input, seeds), mutator.count(3));
        tally.tried().incrementAndGet();
        tally.codes().computeIfAbsent(m.getBareMethodName(), k -> new ConcurrentHashMap<>())
            .computeIfAbsent(s.getCode(), k -> new AtomicInteger()).incrementAndGet();
        boolean unanswered = s.getCode() == Status.Code.DEADLINE_EXCEEDED && !MAY_WAIT.contains(m.getFullMethodName());
        if (unanswered || s.getCode() == Status.Code.UNKNOWN) {
          tally.bad().add(m.getFullMethodName() + " request " + i + ": " + s);
        }
      }
    } finally {
      ch.shutdownNow();
    }
  }

  private static Descriptor inputType(io.grpc.MethodDescriptor<?, ?> m) {
    var schema = (io.grpc.protobuf.ProtoMethodDescriptorSupplier) m.getSchemaDescriptor();
    MethodDescriptor md = schema.getMethodDescriptor();
    return md.getInputType();
  }

  /**
   * One call of {@code m} with raw request bytes: unary calls wait for the answer, server-streaming
   * calls for their first message (then cancel), client- and bidi-streaming calls send one to
   * three requests, half-close and wait for the end.
   */
  private static Status call(ManagedChannel ch, io.grpc.MethodDescriptor<?, ?> m, java.util.function.Supplier<byte[]> request,
      int streamed) {
    io.grpc.MethodDescriptor<byte[], byte[]> raw = io.grpc.MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(m.getType()).setFullMethodName(m.getFullMethodName()).setRequestMarshaller(BadInputCalls.BYTES).setResponseMarshaller(BadInputCalls.BYTES)
        .build();
    CallOptions opts = MAY_WAIT.contains(m.getFullMethodName())
        ? CallOptions.DEFAULT.withDeadlineAfter(WAITING_CALL_MILLIS, TimeUnit.MILLISECONDS)
        : CallOptions.DEFAULT.withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS);
    try {
      switch (m.getType()) {
        case UNARY -> ClientCalls.blockingUnaryCall(ch, raw, opts, request.get());
        case SERVER_STREAMING -> {
          var call = ch.newCall(raw, opts);
          Iterator<byte[]> it = ClientCalls.blockingServerStreamingCall(call, request.get());
          try {
            it.hasNext();
          } finally {
            call.cancel("the test read the first message", null);
          }
        }
        default -> {
          CompletableFuture<Status> end = new CompletableFuture<>();
          StreamObserver<byte[]> out = ClientCalls.asyncBidiStreamingCall(ch.newCall(raw, opts), new StreamObserver<>() {
            @Override
            public void onNext(byte[] reply) {}

            @Override
            public void onError(Throwable t) {
              end.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
              end.complete(Status.OK);
            }
          });
          for (int n = streamed; n > 0; n--) {
            out.onNext(request.get());
          }
          out.onCompleted();
          return end.get(CALL_SECONDS + 5, TimeUnit.SECONDS);
        }
      }
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    } catch (Exception e) {
      throw new AssertionError(m.getFullMethodName() + " did not end: " + e, e);
    }
  }
}
