package io.jray.gcs;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.jray.api.JobId;
import io.jray.api.NodeId;
import io.jray.api.TaskId;
import io.jray.api.WorkerId;
import io.jray.common.proto.ProtoIds;
import io.jray.common.state.StateFilter;
import io.jray.proto.GetTasksReply;
import io.jray.proto.TaskEvent;
import io.jray.proto.TaskEvent.State;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskEventStoreTest {
  private static final ByteString JOB = ProtoIds.bytes(JobId.fromInt(1));
  private static final ByteString WORKER = ProtoIds.bytes(WorkerId.random());
  private static final ByteString NODE = ProtoIds.bytes(NodeId.random());

  private static TaskEvent ev(ByteString task, State s, long t) {
    return TaskEvent.newBuilder().setTaskId(task).setJobId(JOB).setState(s).setTimeMs(t).build();
  }

  @Test
  void aFinalStateFromTheOwnerWinsOverTheExecutorsRunningArrivingLater() {
    TaskEventStore store = new TaskEventStore(10);
    ByteString t = ProtoIds.bytes(TaskId.random());
    store.add(JOB, List.of(ev(t, State.PENDING_ARGS, 100).toBuilder().setName("f").build(),
        ev(t, State.SUBMITTED, 101), ev(t, State.FINISHED, 105)), 0);
    // the executor's batch comes second, with an earlier and then a later clock
    store.add(JOB, List.of(ev(t, State.RUNNING, 103).toBuilder().setWorkerId(WORKER).setNodeId(NODE).build(),
        ev(t, State.RUNNING, 999)), 0);
    GetTasksReply r = store.query(List.of(), 10, true, false);
    assertThat(r.getTasks(0).getState()).isEqualTo(State.FINISHED);
    assertThat(r.getTasks(0).getNodeId()).isEqualTo(NODE);
    assertThat(r.getTasks(0).getName()).isEqualTo("f");
    assertThat(r.getTasks(0).getHistoryList()).extracting(h -> h.getState()).containsExactly(State.PENDING_ARGS,
        State.SUBMITTED, State.FINISHED, State.RUNNING, State.RUNNING);
    assertThat(r.getTasks(0).getEndTimeMs()).isEqualTo(105);
  }

  @Test
  void anEventWithUpdatesAppliesEachTransitionAndTakesTheBatchsJob() {
    TaskEventStore store = new TaskEventStore(10);
    ByteString t = ProtoIds.bytes(TaskId.random());
    TaskEvent coalesced = TaskEvent.newBuilder().setTaskId(t).setName("g").setAttempt(1)
        .addUpdates(io.jray.proto.StateUpdate.newBuilder().setState(State.PENDING_ARGS).setTimeMs(200))
        .addUpdates(io.jray.proto.StateUpdate.newBuilder().setState(State.SUBMITTED).setTimeMs(201))
        .addUpdates(io.jray.proto.StateUpdate.newBuilder().setState(State.FINISHED).setTimeMs(204)).build();
    store.add(JOB, List.of(coalesced), 0);
    GetTasksReply r = store.query(List.of(StateFilter.parse("job_id=" + TaskEventStore.hex(JOB))), 10, true, false);
    assertThat(r.getTasks(0).getState()).isEqualTo(State.FINISHED);
    assertThat(r.getTasks(0).getAttempt()).isEqualTo(1);
    assertThat(r.getTasks(0).getHistoryList()).extracting(h -> h.getState()).containsExactly(State.PENDING_ARGS,
        State.SUBMITTED, State.FINISHED);
    assertThat(r.getTasks(0).getStartTimeMs()).isEqualTo(200);
    assertThat(r.getTasks(0).getEndTimeMs()).isEqualTo(204);
  }

  @Test
  void aRetryMovesANonFinalTaskBackAndFailureCarriesItsError() {
    TaskEventStore store = new TaskEventStore(10);
    ByteString t = ProtoIds.bytes(TaskId.random());
    store.add(JOB, List.of(ev(t, State.RUNNING, 10), ev(t, State.SUBMITTED, 11).toBuilder().setRetry(true).build()),
        0);
    assertThat(store.query(List.of(), 10, false, false).getTasks(0).getState()).isEqualTo(State.SUBMITTED);
    store.add(JOB, List.of(ev(t, State.FAILED, 12).toBuilder().setErrorType("TASK_EXCEPTION").setErrorMessage("boom")
        .build()), 0);
    GetTasksReply r = store.query(List.of(StateFilter.parse("error_type=task_exception")), 10, false, false);
    assertThat(r.getTasks(0).getErrorMessage()).isEqualTo("boom");
  }

  @Test
  void keepsItsBoundDroppingTheOldestAndCountingPerJob() {
    TaskEventStore store = new TaskEventStore(3);
    ByteString other = ProtoIds.bytes(JobId.fromInt(2));
    List<ByteString> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(ProtoIds.bytes(TaskId.random()));
      TaskEvent e = ev(ids.get(i), State.FINISHED, i + 1);
      store.add(JOB, List.of(i == 0 ? e.toBuilder().setJobId(other).build() : e), i == 4 ? 9 : 0);
    }
    GetTasksReply r = store.query(List.of(), 2, false, false);
    assertThat(r.getStored()).isEqualTo(3);
    assertThat(r.getMatched()).isEqualTo(3);
    assertThat(r.getTasksList()).extracting(x -> x.getTaskId()).containsExactly(ids.get(3), ids.get(4));
    assertThat(r.getDropsList()).extracting(d -> ProtoIds.jobId(d.getJobId()).hex() + ":" + d.getEvicted() + "/"
        + d.getDroppedAtSource()).containsExactlyInAnyOrder(JobId.fromInt(2).hex() + ":1/0",
        JobId.fromInt(1).hex() + ":1/9");
  }

  /**
   * GCS memory for 100,000 tasks of five events each (the figure): the heap the store
   * holds, measured after full collections. Printed, and bounded loosely so a regression shows.
   */
  @Test
  void aHundredThousandTasksTakeAFewHundredBytesEach() {
    Runtime rt = Runtime.getRuntime();
    long before = usedAfterGc(rt);
    TaskEventStore store = new TaskEventStore(100_000);
    long t0 = System.currentTimeMillis();
    io.jray.proto.Address owner = io.jray.proto.Address.newBuilder().setHost("127.0.0.1").setPort(1234)
        .setWorkerId(ProtoIds.bytes(WorkerId.random())).setNodeId(NODE).build();
    for (int i = 0; i < 100_000; i++) {
      ByteString t = ProtoIds.bytes(TaskId.random());
      store.add(JOB, List.of(
          ev(t, State.PENDING_ARGS, t0 + i).toBuilder().setName("io.jray.examples.MonteCarloPi.sample")
              .setParentTaskId(ByteString.copyFrom(new byte[16])).setOwner(owner).build(),
          ev(t, State.SUBMITTED, t0 + i), ev(t, State.RUNNING, t0 + i),
          ev(t, State.RUNNING, t0 + i + 1).toBuilder().setWorkerId(WORKER).setNodeId(NODE).build(),
          ev(t, State.FINISHED, t0 + i + 2)), 0);
    }
    long used = usedAfterGc(rt) - before;
    System.out.printf("task event store: %d tasks, %.1f MiB, %d bytes per task%n", store.size(), used / 1048576.0,
        used / store.size());
    assertThat(store.size()).isEqualTo(100_000);
    assertThat(used / store.size()).isLessThan(1_000);
  }

  private static long usedAfterGc(Runtime rt) {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
