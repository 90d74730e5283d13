package io.jray.raylet;

import io.jray.common.proto.ProtoIds;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.jray.api.JobId;
import io.jray.api.NodeId;
import io.jray.api.WorkerId;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.session.SessionDir;
import io.jray.proto.Address;
import io.jray.proto.JobInfo;
import io.jray.proto.NodeInfo;
import io.jray.proto.ResourceDemand;
import io.jray.proto.ResourceReport;
import io.jray.proto.SchedulingStrategySpec;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lease scheduler of one node, with its real worker pool, cluster view and job directory, all
 * on a real {@code raylet-loop}. Only the worker JVMs are not real: the pool's launcher records each
 * start, and the test registers the worker as its core worker would.
 */
@Timeout(30)
class LeaseSchedulerTest {
  private static final AtomicLong PIDS = new AtomicLong(4_000_000);
  private static final JobId JOB_A = JobId.fromInt(1);
  private static final JobId JOB_B = JobId.fromInt(2);
  private static final ByteString F = ByteString.copyFromUtf8("f");
  private static final ByteString G = ByteString.copyFromUtf8("g");
  private static final SchedulingStrategySpec DEFAULT = SchedulingStrategySpec.getDefaultInstance();

  @TempDir
  Path dir;

  private final NodeId self = NodeId.fromHex("0a".repeat(16));
  private final NodeId other = NodeId.fromHex("0b".repeat(16));
  private final EventLoop loop = new EventLoop("raylet-loop");
  private final List<WorkerPool.Launch> launches = new ArrayList<>();
  private final List<FakeProcess> processes = new ArrayList<>();
  /** Tags of the requests granted, in grant order. */
  private final List<String> grants = new ArrayList<>();
  private final Map<String, Replies> byTag = new java.util.concurrent.ConcurrentHashMap<>();
  private ClusterView cluster;
  private LeaseScheduler scheduler;

  /** A node with {@code cpus} CPUs and nothing else, jobs A and B running with their drivers here. */
  private void node(double cpus) {
    run(() -> {
      NodeContext ctx = new NodeContext(self, "127.0.0.1", "127.0.0.1:1", "token", SessionDir.open(dir), cpus);
      ctx.bound(7000);
      JobDirectory jobs = new JobDirectory(loop, null); // every job is known, so GCS is never asked
      for (JobId j : List.of(JOB_A, JOB_B)) {
        jobs.update(JobInfo.newBuilder().setJobId(ProtoIds.bytes(j))
            .setDriverNodeId(ProtoIds.bytes(self)).build());
      }
      JobCodeCache code = new JobCodeCache(loop, null, dir.resolve("packages")); // jobs without packages
      cluster = new ClusterView(self);
      scheduler = new LeaseScheduler(loop, ctx, cluster, ResourceSet.of(Map.of("CPU", cpus)),
          s -> new WorkerPool(loop, ctx, jobs, code, s::workerExited, s::dispatch, s::jobCodeFailed, this::launch));
    });
  }

  private Process launch(WorkerPool.Launch l) {
    FakeProcess p = new FakeProcess(PIDS.incrementAndGet());
    launches.add(l);
    processes.add(p);
    return p;
  }

  @AfterEach
  void stop() {
    loop.close();
  }

  private <T> T on(Callable<T> body) {
    return OnLoop.call(loop, body);
  }

  private void run(Runnable body) {
    OnLoop.run(loop, body);
  }

  private Replies request(String tag, JobId job, ByteString function, double cpus, WorkerId owner) {
    return request(tag, new LeaseRequest(job, ResourceSet.of(Map.of("CPU", cpus)), function,
        ProtoIds.bytes(owner), DEFAULT, false, 0));
  }

  private Replies request(String tag, LeaseRequest r) {
    Replies out = new Replies(tag);
    out.pending = on(() -> scheduler.request(r, out));
    return out;
  }

  /** Every started worker that has not registered does, as its core worker would once serving. */
  private void registerStarted() {
    run(() -> {
      for (int i = 0; i < launches.size(); i++) {
        WorkerPool.Launch l = launches.get(i);
        WorkerProcess w = scheduler.pool().get(l.id());
        if (w != null && w.state == WorkerProcess.State.STARTING) {
          scheduler.pool().registered(l.id(), 20_000 + i, processes.get(i).pid(), 0);
          scheduler.dispatch();
        }
      }
    });
  }

  /** A request of job A for one CPU, granted (its worker started and registered). */
  private Replies granted(String tag) {
    Replies r = request(tag, JOB_A, F, 1, WorkerId.random());
    registerStarted();
    assertThat(r.leaseId).as(tag).isNotNull();
    return r;
  }

  private double availableCpu() {
    return on(() -> scheduler.available().get("CPU"));
  }

  private void giveBack(Replies r) {
    assertThat(on(() -> scheduler.returnWorker(r.leaseId, false))).isTrue();
  }

  @Test
  void queuesWhileResourcesAreShortAndGrantsWhenTheyComeBack() {
    node(2);
    WorkerId owner = WorkerId.random();
    Replies r1 = request("r1", JOB_A, F, 1, owner);
    Replies r2 = request("r2", JOB_A, F, 1, owner);
    Replies r3 = request("r3", JOB_A, F, 1, owner);
    // no worker yet: one start per request that has resources, none for the third
    assertThat(launches.size()).isEqualTo(2);
    assertThat(launches).allSatisfy(l -> assertThat(l.job()).isEqualTo(JOB_A));
    assertThat(grants).isEmpty();

    registerStarted();
    assertThat(grants).containsExactly("r1", "r2");
    assertThat(r1.worker.getNodeId()).isEqualTo(ProtoIds.bytes(self));
    assertThat(r1.worker.getPort()).isNotEqualTo(r2.worker.getPort());
    assertThat(availableCpu()).isZero();
    assertThat(r3.ended()).isFalse();

    giveBack(r1);
    assertThat(grants).containsExactly("r1", "r2", "r3");
    assertThat(r3.worker).isEqualTo(r1.worker); // the returned worker, warm
    giveBack(r2);
    giveBack(r3);
    assertThat(availableCpu()).isEqualTo(2.0);
  }

  @Test
  void aGrantTheOwnerCannotReceiveIsTakenBack() {
    node(1);
    Replies gone = request("gone", JOB_A, F, 1, WorkerId.random());
    gone.deliverable = false;
    registerStarted();
    assertThat(availableCpu()).isEqualTo(1.0);
    Replies next = request("next", JOB_A, F, 1, WorkerId.random());
    assertThat(grants).containsExactly("gone", "next");
    assertThat(next.worker.getWorkerId()).isEqualTo(gone.worker.getWorkerId());
  }

  /** One CPU, one worker: six requests of two classes queue behind a lease; each return serves one. */
  @Test
  void servesSchedulingClassesInTurn() {
    node(1);
    WorkerId owner = WorkerId.random();
    Replies first = granted("first");
    for (int i = 1; i <= 3; i++) {
      request("f" + i, JOB_A, F, 1, owner);
    }
    for (int i = 1; i <= 3; i++) {
      request("g" + i, JOB_A, G, 1, owner);
    }
    List<String> served = serveOneByOne(first, 6);
    assertThat(served).containsExactlyInAnyOrder("f1", "f2", "f3", "g1", "g2", "g3");
    assertAlternates(served);
  }

  @Test
  void servesJobsInTurn() {
    node(1);
    Replies first = granted("first");
    // job B needs its own worker: workers belong to a job
    Replies b0 = request("b0", JOB_B, F, 1, WorkerId.random());
    giveBack(first);
    registerStarted();
    assertThat(grants).containsExactly("first", "b0");
    for (int i = 1; i <= 3; i++) {
      request("a" + i, JOB_A, F, 1, WorkerId.random());
      request("b" + i, JOB_B, F, 1, WorkerId.random());
    }
    List<String> served = serveOneByOne(b0, 6);
    assertThat(served).containsExactlyInAnyOrder("a1", "a2", "a3", "b1", "b2", "b3");
    assertAlternates(served);
  }

  /** Two leases come back at once (their owner died): each class gets one before any gets two. */
  @Test
  void freedResourcesGoOnePerClassInOnePass() {
    node(2);
    WorkerId dying = WorkerId.random();
    request("x1", JOB_A, F, 1, dying);
    request("x2", JOB_A, F, 1, dying);
    registerStarted();
    for (String tag : List.of("f1", "f2")) {
      request(tag, JOB_A, F, 1, WorkerId.random());
    }
    for (String tag : List.of("g1", "g2")) {
      request(tag, JOB_A, G, 1, WorkerId.random());
    }
    run(() -> scheduler.ownerDied(dying));
    assertThat(grants).containsExactly("x1", "x2", "f1", "g1");
  }

  /** Returns the lease of {@code first}, then each granted one in turn; what was granted, in order. */
  private List<String> serveOneByOne(Replies first, int n) {
    int before = grants.size();
    Replies last = first;
    for (int i = 0; i < n; i++) {
      giveBack(last);
      assertThat(grants).hasSize(before + i + 1);
      last = byTag.get(grants.get(before + i));
    }
    return List.copyOf(grants.subList(before, before + n));
  }

  /** Neither of two kinds is served twice in a row while the other waits. */
  private static void assertAlternates(List<String> served) {
    for (int i = 1; i < served.size(); i++) {
      assertThat(served.get(i).charAt(0)).as("grant %d of %s", i, served).isNotEqualTo(served.get(i - 1).charAt(0));
    }
  }

  private void otherNode(double totalCpu, double availableCpu) {
    run(() -> {
      cluster.node(NodeInfo.newBuilder().setNodeId(ProtoIds.bytes(other)).setHost("10.0.0.2")
          .setRayletPort(7001).putTotalResources("CPU", totalCpu).setState(NodeInfo.State.ALIVE).build());
      cluster.report(ResourceReport.newBuilder().setNodeId(ProtoIds.bytes(other))
          .putTotal("CPU", totalCpu).putAvailable("CPU", availableCpu).build());
    });
  }

  @Test
  void spillsBackToANodeThatFitsWhenThisOneIsBusy() {
    node(1);
    otherNode(4, 4);
    Replies here = granted("here");
    assertThat(grants).containsExactly("here");
    Replies there = request("there", JOB_A, F, 1, WorkerId.random());
    assertThat(there.spillback).isEqualTo(Address.newBuilder().setHost("10.0.0.2").setPort(7001)
        .setNodeId(ProtoIds.bytes(other)).build());
    assertThat(launches.size()).isEqualTo(1);
    // a request that came by spillback is never sent on: it waits here while no other node has room
    otherNode(4, 0);
    Replies followed = request("followed", new LeaseRequest(JOB_A, ResourceSet.of(Map.of("CPU", 1.0)), F,
        ProtoIds.bytes(WorkerId.random()), DEFAULT, true, 0));
    run(() -> scheduler.rebalance());
    assertThat(followed.ended()).isFalse();
    giveBack(here);
    assertThat(grants).containsExactly("here", "followed");
  }

  @Test
  void aSpilledRequestWaitingHereIsRejectedWhenAnotherNodeHasRoom() {
    node(1);
    otherNode(4, 0);
    Replies here = granted("here");
    Replies followed = request("followed", new LeaseRequest(JOB_A, ResourceSet.of(Map.of("CPU", 1.0)), F,
        ProtoIds.bytes(WorkerId.random()), DEFAULT, true, 0));
    run(() -> scheduler.rebalance());
    assertThat(followed.ended()).isFalse();
    // the other node frees up (a node that joined later, say): its owner asks again and goes there
    otherNode(4, 4);
    run(() -> scheduler.rebalance());
    assertThat(followed.rejected).contains("has room now");
    giveBack(here);
    assertThat(grants).containsExactly("here");
  }

  @Test
  void aQueuedRequestMovesWhenAnotherNodeHasRoom() {
    node(1);
    Replies here = granted("here");
    Replies waiting = request("waiting", JOB_A, F, 1, WorkerId.random());
    assertThat(waiting.ended()).isFalse(); // nowhere else to go yet: it waits here
    otherNode(2, 2);
    run(() -> scheduler.rebalance());
    assertThat(waiting.spillback.getNodeId()).isEqualTo(ProtoIds.bytes(other));
    giveBack(here);
    assertThat(grants).containsExactly("here");
  }

  @Test
  void infeasibleRequestsAreNoticedOnceAndWaitForANodeThatFits() {
    node(2);
    Replies big = request("big", JOB_A, F, 8, WorkerId.random());
    run(() -> scheduler.dispatch());
    assertThat(big.notices).hasSize(1);
    assertThat(big.notices.get(0)).contains("needs").contains("no alive node");
    assertThat(big.ended()).isFalse();
    assertThat(launches).isEmpty();
    assertThat(on(() -> scheduler.demand())).singleElement().satisfies(d -> {
      assertThat(d.getInfeasible()).isTrue();
      assertThat(d.getCount()).isEqualTo(1);
    });
    // a request that came by spillback and can never fit here is rejected instead
    Replies followed = request("followed", new LeaseRequest(JOB_A, ResourceSet.of(Map.of("CPU", 8.0)), F,
        ProtoIds.bytes(WorkerId.random()), DEFAULT, true, 0));
    assertThat(followed.rejected).contains("less than");

    otherNode(16, 16);
    run(() -> scheduler.rebalance());
    assertThat(big.spillback.getNodeId()).isEqualTo(ProtoIds.bytes(other));
    assertThat(big.notices).hasSize(1);
    assertThat(on(() -> scheduler.demand())).isEmpty();
  }

  @Test
  void aCancelledRequestIsNeitherGrantedNorCounted() {
    node(1);
    Replies held = granted("held");
    Replies cancelled = request("cancelled", JOB_A, F, 1, WorkerId.random());
    Replies withdrawn = request("withdrawn", JOB_A, F, 1, WorkerId.random());
    Replies kept = request("kept", JOB_A, F, 1, WorkerId.random());
    assertThat(demandCount()).isEqualTo(3);
    run(() -> scheduler.cancel(cancelled.pending));
    withdrawn.withdrawn = true; // the call's own flag, seen before its cancellation reaches the loop
    assertThat(demandCount()).isEqualTo(1);
    giveBack(held);
    assertThat(grants).containsExactly("held", "kept");
    assertThat(cancelled.ended()).isFalse();
    assertThat(withdrawn.ended()).isFalse();
  }

  @Test
  void anOwnersDeathEndsItsLeasesAndDropsItsRequests() {
    node(2);
    WorkerId dying = WorkerId.random();
    WorkerId living = WorkerId.random();
    request("d1", JOB_A, F, 1, dying);
    request("l1", JOB_A, F, 1, living);
    registerStarted();
    assertThat(grants).containsExactly("d1", "l1");
    Replies d2 = request("d2", JOB_A, F, 1, dying);
    Replies l2 = request("l2", JOB_A, F, 1, living);
    run(() -> scheduler.ownerDied(dying));
    // d1's worker came back and went to the living owner's request; the dead owner's one is gone
    assertThat(grants).containsExactly("d1", "l1", "l2");
    assertThat(d2.ended()).isFalse();
    assertThat(demandCount()).isZero();
    assertThat(availableCpu()).isZero();
  }

  private Replies withBacklog(String tag, double cpus, long backlog) {
    return request(tag, new LeaseRequest(JOB_A, ResourceSet.of(Map.of("CPU", cpus)), F,
        ProtoIds.bytes(WorkerId.random()), DEFAULT, false, backlog));
  }

  /** Reported demand by CPU amount: count, and whether it is infeasible. */
  private Map<Double, String> demandByCpu() {
    Map<Double, String> m = new java.util.TreeMap<>();
    for (ResourceDemand d : on(() -> scheduler.demand())) {
      m.put(d.getShapeMap().get("CPU"), d.getCount() + (d.getInfeasible() ? " infeasible" : ""));
    }
    return m;
  }

  @Test
  void reportedDemandCountsEachQueuedRequestWithItsBacklog() {
    node(1);
    Replies held = granted("held");
    Replies a = withBacklog("a", 1, 5);
    withBacklog("b", 1, 0); // an owner that sends no backlog: one task, as before
    withBacklog("half", 0.5, 2);
    withBacklog("big", 8, 3);
    assertThat(demandByCpu()).containsExactly(Map.entry(0.5, "3"), Map.entry(1.0, "7"), Map.entry(8.0, "4 infeasible"));

    run(() -> scheduler.cancel(a.pending));
    assertThat(demandByCpu()).containsEntry(1.0, "1");
    giveBack(held); // "b" or "half" is granted: it and its backlog leave the demand
    assertThat(demandCount()).isEqualTo(4 + (grants.contains("b") ? 3 : 1));

    withBacklog("huge", 0.25, Long.MAX_VALUE);
    assertThat(demandByCpu()).containsEntry(0.25, Integer.toString(Integer.MAX_VALUE));
  }

  @Test
  void aFinishedJobsRequestsFailAndItsWorkersStop() {
    node(1);
    granted("held");
    Replies queued = request("queued", JOB_A, F, 1, WorkerId.random());
    Replies other = request("other", JOB_B, F, 1, WorkerId.random());
    run(() -> scheduler.jobFinished(JOB_A));
    assertThat(queued.failure).isEqualTo(LeaseReplies.Failure.JOB_FINISHED);
    assertThat(other.ended()).isFalse();
    assertThat(processes.get(0).isAlive()).isFalse();
    run(() -> {}); // the worker's exit, which hops onto the loop, is what dispatches again
    // job B's request now has the CPU and gets a worker of its own started
    assertThat(launches.get(launches.size() - 1).job()).isEqualTo(JOB_B);
    registerStarted();
    assertThat(grants).containsExactly("held", "other");
  }

  @Test
  void prestartsOneWorkerPerCpuForADriverAndOneForANewJobDrivenElsewhere() {
    node(2);
    run(() -> scheduler.pool().prestartForDriver(JOB_A));
    assertThat(launches.size()).isEqualTo(2);
    run(() -> scheduler.pool().prestartForDriver(JOB_A)); // those starting count
    assertThat(launches.size()).isEqualTo(2);

    JobInfo elsewhere = JobInfo.newBuilder().setJobId(ProtoIds.bytes(JOB_B))
        .setDriverNodeId(ProtoIds.bytes(other)).setStartTimeMs(System.currentTimeMillis()).build();
    run(() -> scheduler.pool().prestartForNewJob(elsewhere));
    assertThat(launches.size()).isEqualTo(3);
    assertThat(launches.get(2).job()).isEqualTo(JOB_B);
    // a job that started long ago (this raylet joined late) or whose driver is here gets none
    run(() -> scheduler.pool().prestartForNewJob(elsewhere.toBuilder().setStartTimeMs(0).build()));
    run(() -> scheduler.pool().prestartForNewJob(elsewhere.toBuilder()
        .setDriverNodeId(ProtoIds.bytes(self)).build()));
    assertThat(launches.size()).isEqualTo(3);
  }

  private long demandCount() {
    return on(() -> scheduler.demand()).stream().mapToLong(ResourceDemand::getCount).sum();
  }

  /** One request's answers, as its owner would see them. */
  private final class Replies implements LeaseReplies {
    final String tag;
    LeaseScheduler.Pending pending;
    volatile boolean withdrawn;
    volatile boolean deliverable = true;
    ByteString leaseId;
    Address worker;
    Address spillback;
    String rejected;
    Failure failure;
    final List<String> notices = new ArrayList<>();

    Replies(String tag) {
      this.tag = tag;
      byTag.put(tag, this);
    }

    boolean ended() {
      return leaseId != null || spillback != null || rejected != null || failure != null;
    }

    @Override
    public boolean granted(ByteString leaseId, Address worker, long pid) {
      assertThat(ended()).as("%s answered twice", tag).isFalse();
      this.leaseId = leaseId;
      this.worker = worker;
      grants.add(tag);
      return deliverable;
    }

    @Override
    public void spilledBack(Address raylet) {
      assertThat(ended()).as("%s answered twice", tag).isFalse();
      spillback = raylet;
    }

    @Override
    public void infeasible(String message) {
      notices.add(message);
    }

    @Override
    public void rejected(String why) {
      assertThat(ended()).as("%s answered twice", tag).isFalse();
      rejected = why;
    }

    @Override
    public void failed(Failure kind, String why) {
      assertThat(ended()).as("%s answered twice", tag).isFalse();
      failure = kind;
    }

    @Override
    public boolean withdrawn() {
      return withdrawn;
    }
  }

  /** A worker JVM that never ran: alive until destroyed. */
  private static final class FakeProcess extends Process {
    private final long pid;
    private final CompletableFuture<Process> exit = new CompletableFuture<>();

    FakeProcess(long pid) {
      this.pid = pid;
    }

    @Override
    public long pid() {
      return pid;
    }

    @Override
    public CompletableFuture<Process> onExit() {
      return exit;
    }

    @Override
    public OutputStream getOutputStream() {
      return OutputStream.nullOutputStream();
    }

    @Override
    public InputStream getInputStream() {
      return InputStream.nullInputStream();
    }

    @Override
    public InputStream getErrorStream() {
      return InputStream.nullInputStream();
    }

    @Override
    public int waitFor() {
      exit.join();
      return 0;
    }

    @Override
    public int exitValue() {
      if (!exit.isDone()) {
        throw new IllegalThreadStateException("running");
      }
      return 0;
    }

    @Override
    public void destroy() {
      exit.complete(this);
    }

    @Override
    public boolean isAlive() {
      return !exit.isDone();
    }
  }
}
