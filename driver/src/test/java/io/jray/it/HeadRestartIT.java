package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.jray.common.gcs.GcsClient;
import io.jray.proto.ActorInfo;
import io.jray.proto.JobInfo;
import io.jray.common.process.PidFiles;
import io.jray.common.session.SessionDir;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The head's GCS through the CLI, each command its own JVM (issue 13): a GCS killed with kill -9
 * is brought back by the supervisor and {@code jray status} says so; {@code jray stop} stops it for
 * good; a head started again with {@code --gcs-storage-dir} of the old storage (a rebooted head
 * machine) has the old KV and jobs, and its detached actor answers by name.
 */
class HeadRestartIT {
  private static final Pattern ADDRESS = Pattern.compile("GCS address: +(127\\.0\\.0\\.1:\\d+)");

  private static String startHead(Map<String, String> env, Path storage) throws Exception {
    CliRunner.Run head = CliRunner.process(env, "start", "--head", "--port", "0", "--num-cpus", "1",
        "--gcs-storage-dir", storage.toString());
    assertThat(head.exitCode()).as(head.output()).isZero();
    Matcher m = ADDRESS.matcher(head.output());
    assertThat(m.find()).as(head.output()).isTrue();
    return m.group(1);
  }

  private static void stop(Map<String, String> env) throws Exception {
    CliRunner.Run stop = CliRunner.process(env, "stop");
    assertThat(stop.exitCode()).as(stop.output()).isZero();
  }

  @Test
  void killedGcsComesBackStopIsForGoodAndARestartedHeadKeepsItsStorage(@TempDir Path root) throws Exception {
    Map<String, String> env = Map.of("JRAY_SESSION_ROOT", root.toString());
    Path storage = root.resolve("kept-storage");
    String address = startHead(env, storage);
    SessionDir session = SessionDir.open(root.resolve(SessionDir.LATEST).toRealPath());
    try (GcsClient gcs = new GcsClient(address, session.token())) {
      gcs.kvPut("head-restart-it", ByteString.copyFromUtf8("before the reboot"), true);
      // a driver of its own JVM leaves a detached counter (one restart allowed) and a finished job
      DriverJvm.Ready creator = DriverJvm.untilReady(address, session.token(), ActorDriverProgram.class.getName(),
          "detached", "head-restart-counter");
      assertThat(creator.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
      await().atMost(Duration.ofSeconds(30)).until(() -> gcs.allJobs().stream()
          .anyMatch(j -> j.getDriverPid() == creator.process().pid() && j.getState() == JobInfo.State.FINISHED));
      assertThat(CliRunner.process(env, "status").output()).contains("GCS: incarnation 1, started")
          .contains("(never restarted)");

      long pid = PidFiles.pid(session, "gcs").orElseThrow();
      new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
      GcsClient once = gcs.withReconnectTimeout(Duration.ZERO).withCallTimeout(Duration.ofSeconds(2));
      await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> once.gcsInfo().getIncarnation() == 2);
      assertThat(PidFiles.pid(session, "gcs").orElseThrow()).isNotEqualTo(pid);
      CliRunner.Run status = CliRunner.process(env, "status");
      assertThat(status.output()).as(status.output()).contains("GCS: incarnation 2, last restarted")
          .contains("Nodes: 1 alive, 0 dead");
    } finally {
      stop(env);
    }
    // stopped for good: the supervisor went first, so nothing of the session came back
    assertThat(PidFiles.live(session)).isEmpty();
    assertThat(CliRunner.process(env, "status").exitCode()).isNotZero();

    String again = startHead(env, storage);
    SessionDir second = SessionDir.open(root.resolve(SessionDir.LATEST).toRealPath());
    try (GcsClient gcs = new GcsClient(again, second.token())) {
      assertThat(gcs.kvGet("head-restart-it").orElseThrow().toStringUtf8()).isEqualTo("before the reboot");
      assertThat(gcs.gcsInfo().getIncarnation()).as("the third start on that storage").isEqualTo(3);
      assertThat(gcs.allJobs()).as("the old head's job").anyMatch(j -> j.getState() == JobInfo.State.FINISHED);
      // the detached actor is found by name and answers; its process went with the old head, so it
      // was restarted (its one restart) and counts from zero again
      DriverJvm.Ready caller = DriverJvm.untilReady(again, second.token(), ActorDriverProgram.class.getName(),
          "count", "head-restart-counter", "3");
      assertThat(caller.line()).isEqualTo("READY ordered=true last=3");
      assertThat(gcs.getNamedActor("head-restart-counter")).map(ActorInfo::getNumRestarts).contains(1);
    } finally {
      stop(env);
    }
    assertThat(PidFiles.live(second)).isEmpty();
  }
}
