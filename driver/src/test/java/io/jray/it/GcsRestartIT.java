package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.jray.api.ActorHandle;
import io.jray.api.ActorLifetime;
import io.jray.api.JRay;
import io.jray.api.NodeId;
import io.jray.api.ObjectRef;
import io.jray.common.gcs.GcsClient;
import io.jray.common.process.ClusterLauncher;
import io.jray.common.process.NodeOptions;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.ActorInfo;
import io.jray.proto.GcsInfo;
import io.jray.proto.GetTasksRequest;
import io.jray.proto.StateFilter;
import io.jray.proto.TaskCount;
import io.jray.proto.JobInfo;
import io.jray.proto.NodeInfo;
import io.jray.runtime.CoreWorker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * GCS fault tolerance (issue 13) on 2 nodes with the GCS supervised as on a {@code jray start
 * --head} node: a GCS killed with kill -9 mid-job comes back by itself on the same port and
 * storage, and the job, its results, a named detached actor and its state, the KV and the node
 * table come through whole; an actor whose worker dies while GCS is down is restarted once it is
 * back. The kill-to-back and kill-to-resynced times and the task rate during the outage are printed
 * (figures, not assertions).
 */
class GcsRestartIT {
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(2))
      .node(NodeOptions.defaults().withCpus(2)).supervisedGcs().driverPerTest();

  private static void kill9(long pid) throws Exception {
    new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
  }

  /** Polls GCS from a virtual thread: when the new incarnation answers, and when every node resynced. */
  private static Thread watchRestart(GcsClient gcs, long before, AtomicLong backNanos, AtomicLong resyncedNanos) {
    GcsClient once = gcs.withReconnectTimeout(Duration.ZERO).withCallTimeout(Duration.ofSeconds(2));
    return Thread.ofVirtual().start(() -> {
      while (resyncedNanos.get() == 0) {
        try {
          GcsInfo info = once.gcsInfo();
          if (info.getIncarnation() > before) {
            backNanos.compareAndSet(0, System.nanoTime());
            if (info.getNodesResynced() == info.getNodesAwaited()) {
              resyncedNanos.set(System.nanoTime());
            }
          }
        } catch (RuntimeException e) {
          // down: try again
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
  }

  private static List<ILoggingEvent> logged(ListAppender<ILoggingEvent> appender) {
    synchronized (appender) { // AppenderBase appends under the appender's monitor
      return List.copyOf(appender.list);
    }
  }

  @Test
  void gcsKilledMidJobComesBackByItselfAndNothingIsLost() throws Exception {
    ListAppender<ILoggingEvent> driverLog = new ListAppender<>();
    Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    driverLog.start();
    root.addAppender(driverLog);
    try (GcsClient gcs = new GcsClient(cluster.gcsAddress(), cluster.token())) {
      gcs.kvPut("gcs-restart-it", ByteString.copyFromUtf8("written before the kill"), true);
      long incarnation = gcs.gcsInfo().getIncarnation();
      ActorHandle<TestActors.Counter> counter = JRay.actor(TestActors.Counter::new).setName("gcs-restart-counter")
          .setLifetime(ActorLifetime.DETACHED).remote();
      assertThat(counter.task(TestActors.Counter::add, 0).remote().get(Duration.ofSeconds(60))).isZero();

      AtomicLong back = new AtomicLong();
      AtomicLong resynced = new AtomicLong();
      long killedAt = 0;
      double beforeRate = 0;
      int beforeTasks = 0;
      double downRate = 0;
      int downTasks = 0;
      Thread watch = null;
      int lastCall = 0;
      for (int batch = 0; batch < 20; batch++) {
        if (batch == 4) {
          long pid = cluster.gcsPid();
          watch = watchRestart(gcs, incarnation, back, resynced);
          killedAt = System.nanoTime();
          kill9(pid);
        }
        long start = System.nanoTime();
        List<ObjectRef<Integer>> tasks = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
          tasks.add(JRay.task(TestTasks::increment, batch * 100 + i).remote());
        }
        List<ObjectRef<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
          calls.add(counter.task(TestActors.Counter::add, 1).remote());
        }
        for (int i = 0; i < 100; i++) {
          assertThat(tasks.get(i).get(Duration.ofSeconds(120))).isEqualTo(batch * 100 + i + 1);
        }
        for (ObjectRef<Integer> c : calls) {
          int v = c.get(Duration.ofSeconds(120));
          assertThat(v).as("actor calls are applied once each, in order").isEqualTo(lastCall + 1);
          lastCall = v;
        }
        double secs = (System.nanoTime() - start) / 1e9;
        if (batch < 4) {
          beforeRate += secs;
          beforeTasks += 100;
        } else if (back.get() == 0) {
          downRate += secs;
          downTasks += 100;
        }
      }
      assertThat(lastCall).isEqualTo(500);
      await().atMost(Duration.ofSeconds(120)).until(() -> resynced.get() != 0);
      watch.join();
      System.out.printf("GCS kill -> serving again: %d ms, -> every raylet resynced: %d ms; tasks/s before the"
          + " kill %.0f (%d tasks), while GCS was down %s%n", (back.get() - killedAt) / 1_000_000,
          (resynced.get() - killedAt) / 1_000_000, beforeTasks / beforeRate, beforeTasks,
          downTasks == 0 ? "n/a (no whole batch)" : String.format("%.0f (%d tasks)", downTasks / downRate, downTasks));

      assertThat(gcs.gcsInfo().getIncarnation()).isEqualTo(incarnation + 1);
      assertThat(gcs.kvGet("gcs-restart-it").orElseThrow().toStringUtf8()).isEqualTo("written before the kill");
      ActorHandle<TestActors.Counter> found = JRay.<TestActors.Counter>getActor("gcs-restart-counter").orElseThrow();
      assertThat(found.task(TestActors.Counter::get).remote().get(Duration.ofSeconds(60))).isEqualTo(500);
      // the class's two nodes ALIVE, each registered once (another test of the class adds a node it kills)
      List<NodeInfo> nodes = gcs.allNodes();
      assertThat(nodes).extracting(n -> n.getNodeId()).doesNotHaveDuplicates();
      assertThat(nodes).filteredOn(n -> n.getState() == NodeInfo.State.ALIVE)
          .extracting(n -> ProtoIds.nodeId(n.getNodeId()).hex())
          .containsExactlyInAnyOrder(ClusterExtension.nodeHex(cluster.raylet(0)),
              ClusterExtension.nodeHex(cluster.raylet(1)));
      // and as a person sees it (the driver's connection set the token property the CLI reads)
      String status = CliRunner.inProcess("status", "--address", cluster.gcsAddress());
      assertThat(status).contains("GCS: incarnation " + (incarnation + 1) + ", last restarted");
      for (int i = 0; i < 2; i++) {
        String line = ClusterExtension.nodeHex(cluster.raylet(i)) + "  ALIVE";
        assertThat(status.split(java.util.regex.Pattern.quote(line), -1)).as(status).hasSize(2);
      }
      // this test's job (the class's earlier tests had drivers of their own in this JVM, now finished)
      ByteString job = gcs.allJobs().stream().filter(j -> j.getDriverPid() == ProcessHandle.current().pid())
          .filter(j -> j.getState() == JobInfo.State.RUNNING).map(JobInfo::getJobId).reduce((a, b) -> {
            throw new AssertionError("two RUNNING jobs of this JVM");
          }).orElseThrow(() -> new AssertionError("this driver's job is not RUNNING after the restart"));
      found.kill();

      // the driver saw an outage it rode out: its subscriptions said they reconnected, nothing was an error
      // (the driver's channel may still be in grpc's reconnect backoff when the raylets have resynced)
      await().atMost(Duration.ofSeconds(60)).until(() -> logged(driverLog).stream()
          .anyMatch(e -> e.getFormattedMessage().contains("reconnected after")));
      // task events of the outage waited in the driver's buffer: the new GCS (whose store starts
      // empty) has every task that finished after the kill, those that finished while it was down too
      GetTasksRequest finishedOfJob = GetTasksRequest.newBuilder().setCountsOnly(true)
          .addFilters(StateFilter.newBuilder().setKey("job_id").setValue(ProtoIds.jobId(job).hex()))
          .addFilters(StateFilter.newBuilder().setKey("state").setValue("FINISHED")).build();
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(gcs.tasks(finishedOfJob).getCountsList()
          .stream().filter(c -> c.getName().contains("increment")).mapToLong(TaskCount::getCount).sum())
          .isGreaterThanOrEqualTo(1600));
      root.detachAppender(driverLog);
      assertThat(logged(driverLog)).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.ERROR))
          .extracting(ILoggingEvent::getFormattedMessage).isEmpty();

      JRay.shutdown();
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(gcs.allJobs())
          .filteredOn(j -> j.getJobId().equals(job)).singleElement()
          .extracting(JobInfo::getState).isEqualTo(JobInfo.State.FINISHED));
    } finally {
      root.detachAppender(driverLog);
    }
  }

  @Test
  void actorWhoseWorkerDiesWhileGcsIsDownIsRestartedOnceItIsBack() throws Exception {
    // maxTaskRetries: the first call after the restart may still go to the dead worker (the driver
    // learns of the restart from GCS), and then is retried on the new one
    ActorHandle<TestActors.Counter> c = JRay.actor(TestActors.Counter::new).setMaxRestarts(1).setMaxTaskRetries(1)
        .remote();
    assertThat(c.task(TestActors.Counter::add, 3).remote().get(Duration.ofSeconds(60))).isEqualTo(3);
    long worker = c.task(TestActors.Counter::pid).remote().get();
    ByteString actorId = ByteString.copyFrom(c.id().bytes());
    ByteString workerId;
    try (GcsClient gcs = new GcsClient(cluster.gcsAddress(), cluster.token())) {
      workerId = gcs.getActor(actorId).orElseThrow().getAddress().getWorkerId();
    }
    kill9(cluster.gcsPid());
    kill9(worker);
    ActorFaultsIT.awaitRestarted(cluster, c, 1);
    try (GcsClient gcs = new GcsClient(cluster.gcsAddress(), cluster.token())) {
      // the death seen while GCS was down is reported once it is back, and once only
      await().atMost(Duration.ofSeconds(60)).until(() -> gcs.workerDeaths(null, null, 10_000).stream()
          .filter(d -> d.getWorkerId().equals(workerId)).count() == 1);
      assertThat(gcs.getActor(actorId).orElseThrow().getNumRestarts()).isEqualTo(1);
    }
    assertThat(c.task(TestActors.Counter::add, 1).remote().get(Duration.ofSeconds(60))).isEqualTo(1);
    assertThat(c.task(TestActors.Counter::wasRestarted).remote().get()).isTrue();
    assertThat(c.task(TestActors.Counter::pid).remote().get()).isNotEqualTo(worker);
  }

  @Test
  void aNodeKilledWhileGcsIsDownIsDeclaredDeadOnceItIsBackAndItsObjectsAreRemade() throws Exception {
    ClusterLauncher.Started doomed = cluster.addNode(NodeOptions.defaults().withCpus(1));
    String doomedHex = ClusterExtension.nodeHex(doomed);
    // 2 MiB: kept in the doomed node's store, not inline in the owner
    ObjectRef<byte[]> made = JRay.task(TestTasks::bytes, 2 << 20, 13L)
        .setSchedulingStrategy(ClusterExtension.near(doomed)).remote();
    JRay.wait(List.of(made), 1, Duration.ofMinutes(2));
    assertThat(CoreWorker.current().locationsOf(made.id())).extracting(NodeId::hex).containsExactly(doomedHex);
    long expected = TestTasks.crc(TestTasks.bytes(2 << 20, 13L));

    kill9(cluster.gcsPid());
    kill9(doomed.pid());
    assertThat(TestTasks.crc(made.get(Duration.ofMinutes(3)))).isEqualTo(expected);
    try (GcsClient gcs = new GcsClient(cluster.gcsAddress(), cluster.token())) {
      await().atMost(Duration.ofSeconds(120)).until(() -> gcs.allNodes().stream()
          .filter(n -> ProtoIds.nodeId(n.getNodeId()).hex().equals(doomedHex))
          .allMatch(n -> n.getState() == NodeInfo.State.DEAD));
      assertThat(gcs.allNodes()).extracting(n -> n.getNodeId()).doesNotHaveDuplicates();
    }
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(CoreWorker.current()
        .locationsOf(made.id())).extracting(NodeId::hex).isNotEmpty().doesNotContain(doomedHex));
  }
}
