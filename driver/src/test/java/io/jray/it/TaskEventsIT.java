package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jray.api.JobId;
import io.jray.api.TaskId;
import io.jray.common.gcs.GcsClient;
import io.jray.common.grpc.Rpc;
import io.jray.common.process.NodeOptions;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.AddTaskEventsRequest;
import io.jray.proto.GetTasksReply;
import io.jray.proto.GetTasksRequest;
import io.jray.proto.StateFilter;
import io.jray.proto.TaskDrops;
import io.jray.proto.TaskEvent;
import io.jray.proto.TaskEventServiceGrpc;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * GCS's task event store over its real RPCs (issue 15): 200,000 tasks fed through
 * {@code AddTaskEvents} keep it at its bound (100,000), the oldest dropped and counted per job,
 * with the drops workers report; a malformed batch changes nothing; the token is required.
 */
class TaskEventsIT {
  private static final int BOUND = 100_000;

  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(1));

  private static TaskEvent finished(ByteString job, int i, long now) {
    return TaskEvent.newBuilder().setTaskId(ProtoIds.bytes(TaskId.random())).setJobId(job)
        .setState(TaskEvent.State.FINISHED).setTimeMs(now + i).setName(i % 2 == 0 ? "even" : "odd").build();
  }

  @Test
  void twoHundredThousandTasksKeepTheStoreAtItsBoundAndReportTheDrops() {
    ByteString job = ProtoIds.bytes(JobId.fromInt(4242));
    long now = System.currentTimeMillis();
    try (GcsClient gcs = new GcsClient(cluster.gcsAddress(), cluster.token())) {
      for (int batch = 0; batch < 20; batch++) {
        AddTaskEventsRequest.Builder b = AddTaskEventsRequest.newBuilder().setJobId(job).setDropped(batch == 0 ? 7 : 0);
        for (int i = 0; i < 10_000; i++) {
          b.addEvents(finished(job, batch * 10_000 + i, now));
        }
        gcs.addTaskEvents(b.build());
      }
      GetTasksReply r = gcs.tasks(GetTasksRequest.newBuilder().addFilters(StateFilter.newBuilder().setKey("job_id")
          .setValue(ProtoIds.jobId(job).hex())).setLimit(5).build());
      assertThat(r.getCapacity()).isEqualTo(BOUND);
      assertThat(r.getStored()).isEqualTo(BOUND);
      assertThat(r.getMatched()).isEqualTo(BOUND);
      TaskDrops drops = r.getDropsList().stream().filter(d -> d.getJobId().equals(job)).findFirst().orElseThrow();
      assertThat(drops.getEvicted()).as("the oldest 100,000 went").isEqualTo(100_000);
      assertThat(drops.getDroppedAtSource()).isEqualTo(7);
      // the most recent are kept, oldest first within the reply
      assertThat(r.getTasksList()).hasSize(5).extracting(t -> t.getStartTimeMs())
          .containsExactly(now + 199_995, now + 199_996, now + 199_997, now + 199_998, now + 199_999);
      assertThat(r.getCountsList()).extracting(c -> c.getName() + "=" + c.getCount())
          .containsExactlyInAnyOrder("even=50000", "odd=50000");

      // a batch with one bad event is refused whole
      AddTaskEventsRequest bad = AddTaskEventsRequest.newBuilder().setJobId(job).addEvents(finished(job, 0, now))
          .addEvents(finished(job, 1, now).toBuilder().setTaskId(ByteString.copyFromUtf8("short"))).build();
      assertThatThrownBy(() -> gcs.addTaskEvents(bad)).isInstanceOfSatisfying(StatusRuntimeException.class,
          e -> assertThat(e.getStatus().getDescription()).contains("event 1: task_id must be 16 bytes"));
      AddTaskEventsRequest both = AddTaskEventsRequest.newBuilder().setJobId(job).addEvents(finished(job, 2, now)
          .toBuilder().addUpdates(io.jray.proto.StateUpdate.newBuilder().setState(TaskEvent.State.RUNNING)
              .setTimeMs(now))).build();
      assertThatThrownBy(() -> gcs.addTaskEvents(both)).isInstanceOfSatisfying(StatusRuntimeException.class,
          e -> assertThat(e.getStatus().getDescription()).contains("event 0: give either state and time_ms or updates"));
      assertThatThrownBy(() -> gcs.tasks(GetTasksRequest.newBuilder().addFilters(StateFilter.newBuilder()
          .setKey("colour").setValue("red")).build())).isInstanceOfSatisfying(StatusRuntimeException.class,
          e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
      assertThat(gcs.tasks(GetTasksRequest.newBuilder().setCountsOnly(true).build()).getStored()).isEqualTo(BOUND);
    }
    InetSocketAddress a = Rpc.parseAddress(cluster.gcsAddress());
    ManagedChannel wrong = Rpc.channel(a.getHostString(), a.getPort(), "not-the-token");
    try {
      assertThatThrownBy(() -> TaskEventServiceGrpc.newBlockingStub(wrong).getTasks(GetTasksRequest.getDefaultInstance()))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
              .isEqualTo(Status.Code.UNAUTHENTICATED));
    } finally {
      wrong.shutdownNow();
    }
  }
}
