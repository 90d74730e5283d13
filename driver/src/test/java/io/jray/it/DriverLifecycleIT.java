package io.jray.it;

import io.jray.common.proto.ProtoIds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jray.api.JobId;
import io.jray.common.gcs.GcsClient;
import io.jray.common.process.JvmLauncher;
import io.jray.common.process.NodeOptions;
import io.jray.proto.JobInfo;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A job ends when its driver shuts down or dies (kill -9): GCS marks it finished, its workers stop,
 * and the objects the driver owned leave the store.
 */
class DriverLifecycleIT {
  static final int HELD_BYTES = 8 << 20;
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(2));

  private record Driver(Process process, JobId job) {}

  private static Driver startDriver(String mode) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(JvmLauncher.javaBinary()));
    cmd.addAll(JvmLauncher.BASE_FLAGS);
    cmd.addAll(List.of("-Xmx256m", "-cp", System.getProperty("java.class.path"), DriverProgram.class.getName(), mode));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("JRAY_ADDRESS", cluster.gcsAddress());
    pb.environment().put("JRAY_AUTH_TOKEN", cluster.token());
    Process p = pb.start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    StringBuilder seen = new StringBuilder();
    while ((line = out.readLine()) != null) {
      seen.append(line).append('\n');
      if (line.startsWith("RUNNING job=")) {
        assertThat(line).endsWith("value=41");
        JobId job = JobId.fromHex(line.substring("RUNNING job=".length(), line.indexOf(' ', 12)));
        Thread.ofVirtual().start(() -> out.lines().forEach(l -> { }));
        return new Driver(p, job);
      }
    }
    throw new AssertionError("driver exited before running its task:\n" + seen);
  }

  private static long workersOf(JobId job) {
    return cluster.nodeStats().getWorkersList().stream().filter(w -> !w.getState().equals("DRIVER"))
        .filter(w -> w.getJobId().equals(ProtoIds.bytes(job))).count();
  }

  private static JobInfo job(JobId id) {
    try (GcsClient gcs = new GcsClient(cluster.gcsAddress(), cluster.token())) {
      return gcs.getJob(id).orElseThrow();
    }
  }

  @Test
  void killedDriverEndsItsJobItsWorkersStopAndItsObjectsAreFreed() throws Exception {
    long usedBefore = cluster.nodeStats().getStore().getUsed();
    Driver d = startDriver("hang");
    assertThat(workersOf(d.job())).isPositive();
    assertThat(cluster.nodeStats().getStore().getUsed()).isGreaterThanOrEqualTo(usedBefore + HELD_BYTES);
    assertThat(job(d.job()).getState()).isEqualTo(JobInfo.State.RUNNING);
    new ProcessBuilder("kill", "-9", Long.toString(d.process().pid())).start().waitFor();
    await().atMost(Duration.ofSeconds(30)).until(() -> job(d.job()).getState() == JobInfo.State.FINISHED);
    assertThat(job(d.job()).getEndReason()).contains("died");
    await().atMost(Duration.ofSeconds(30)).until(() -> workersOf(d.job()) == 0);
    await().atMost(Duration.ofSeconds(30)).until(() -> cluster.nodeStats().getStore().getUsed() == usedBefore);
  }

  @Test
  void aDriverThatShutsDownButRunsOnHasItsObjectsFreed() throws Exception {
    long usedBefore = cluster.nodeStats().getStore().getUsed();
    Driver d = startDriver("linger");
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> job(d.job()).getState() == JobInfo.State.FINISHED);
      await().atMost(Duration.ofSeconds(30)).until(() -> cluster.nodeStats().getStore().getUsed() == usedBefore);
      assertThat(d.process().isAlive()).as("freed while the driver's JVM still runs").isTrue();
    } finally {
      d.process().destroyForcibly().waitFor();
    }
  }

  @Test
  void driverShutdownEndsItsJobAndItsWorkersStop() throws Exception {
    Driver d = startDriver("exit");
    assertThat(d.process().waitFor()).isZero();
    await().atMost(Duration.ofSeconds(30)).until(() -> job(d.job()).getState() == JobInfo.State.FINISHED);
    assertThat(job(d.job()).getEndReason()).isEqualTo("JRay.shutdown()");
    await().atMost(Duration.ofSeconds(30)).until(() -> workersOf(d.job()) == 0);
  }
}
