package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.common.gcs.GcsClient;
import io.jray.common.process.NodeOptions;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.GetTasksReply;
import io.jray.proto.GetTasksRequest;
import io.jray.proto.StateFilter;
import io.jray.proto.TaskDrops;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code task-events.max-rate} (issue 15's overhead bound, Ray's 10,000 events per report
 * interval): a driver that submits far more tasks a second than the rate records about the rate's
 * worth, counts the rest, and GCS and the CLI say how many were not recorded; every failure is
 * recorded anyway, with its error.
 */
class TaskEventRateIT {
  private static final int RATE = 100;
  private static final String TINY = "io.jray.it.StateTasks.tiny";
  private static final String FAILING = "io.jray.it.StateTasks.failingPastTheRate";

  static {
    // read by the driver's core worker at init, which the extension below does before any test
    System.setProperty("jray.task-events.max-rate", Integer.toString(RATE));
  }

  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(1)).driver();

  @AfterAll
  static void clear() {
    System.clearProperty("jray.task-events.max-rate");
  }

  private static GetTasksReply tasks(String name) {
    try (GcsClient gcs = new GcsClient(cluster.gcsAddress(), cluster.token())) {
      return gcs.tasks(GetTasksRequest.newBuilder().addFilters(StateFilter.newBuilder().setKey("name").setValue(name))
          .setLimit(10_000).setDetail(true).build());
    }
  }

  @Test
  void pastTheRateTasksAreCountedNotRecordedAndFailuresAreRecordedAnyway() {
    List<ObjectRef<Integer>> refs = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < 2_000; i++) {
      refs.add(JRay.task(StateTasks::tiny, i).remote());
    }
    List<ObjectRef<Integer>> failing = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      failing.add(JRay.task(StateTasks::failingPastTheRate, i).setMaxRetries(0).remote());
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    assertThat(JRay.get(refs)).hasSize(2_000);
    for (ObjectRef<Integer> f : failing) {
      assertThatThrownBy(() -> f.get(Duration.ofMinutes(2))).hasMessageContaining("past the rate");
    }
    // submitting took `seconds`, so at most RATE per started second were recorded
    long bound = (long) RATE * ((long) Math.ceil(seconds) + 1);
    String job = JRay.runtimeContext().jobId().hex();
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      GetTasksReply tiny = tasks(TINY);
      assertThat(tiny.getMatched()).as("recorded tiny tasks").isBetween(1L, bound);
      GetTasksReply failed = tasks(FAILING);
      assertThat(failed.getTasksList()).hasSize(20).allSatisfy(t -> {
        assertThat(t.getState().name()).isEqualTo("FAILED");
        assertThat(t.getErrorMessage()).contains("past the rate");
      });
      TaskDrops drops = tiny.getDropsList().stream().filter(d -> ProtoIds.jobId(d.getJobId()).hex().equals(job))
          .findFirst().orElseThrow();
      // 2,020 submitted = recorded + not recorded; of the failures, those past the rate count as not recorded
      assertThat(drops.getTasksNotRecorded()).as("counted, not recorded")
          .isBetween(2_000 - tiny.getMatched(), 2_020 - tiny.getMatched());
      assertThat(failed.getTasksList()).as("failures past the rate: recorded with their failure only")
          .anySatisfy(t -> assertThat(t.getHistoryList()).singleElement()
              .satisfies(h -> assertThat(h.getState().name()).isEqualTo("FAILED")));
    });
    // the CLI says so
    System.setProperty("jray.auth.token", cluster.token());
    PrintStream err = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      CliRunner.inProcess("summary", "tasks", "--address", cluster.gcsAddress());
    } finally {
      System.setErr(err);
      System.clearProperty("jray.auth.token");
    }
    assertThat(buf.toString(StandardCharsets.UTF_8)).contains("tasks of job " + job + " were not recorded")
        .contains("task-events.max-rate");
  }
}
