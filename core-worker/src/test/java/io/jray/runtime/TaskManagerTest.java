package io.jray.runtime;

import io.jray.common.grpc.ChannelPool;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.jray.api.NodeId;
import io.jray.api.ObjectId;
import io.jray.api.ObjectRef;
import io.jray.api.TaskId;
import io.jray.api.WorkerId;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.Address;
import io.jray.proto.ErrorInfo;
import io.jray.proto.TaskResult;
import io.jray.proto.TaskSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The task table's states and what outcomes do to a task: the parts a submitter reuses, with a
 * real ownership table and reference counter (the owner link is the only thing not over gRPC).
 */
class TaskManagerTest {
  private static final ByteString PARENT = ProtoIds.bytes(TaskId.random());
  /** The worker tasks are pushed to. */
  private static final Address WORKER = Address.newBuilder().setHost("127.0.0.1").setPort(2)
      .setWorkerId(ProtoIds.bytes(io.jray.api.WorkerId.random())).setNodeId(ProtoIds.bytes(io.jray.api.NodeId.random()))
      .build();
  private static final Address SELF = Address.newBuilder().setHost("127.0.0.1").setPort(1)
      .setWorkerId(ProtoIds.bytes(WorkerId.random())).setNodeId(ProtoIds.bytes(NodeId.random())).build();

  private final List<ObjectId> freed = new CopyOnWriteArrayList<>();
  private final OwnershipTable table = new OwnershipTable((id, v, copies) -> freed.add(id), 1 << 20);
  private final ScheduledExecutorService releaser = Executors.newSingleThreadScheduledExecutor();
  private final EventLoop timers = new EventLoop("test-timers");
  private final List<String> lostArguments = new CopyOnWriteArrayList<>();
  private final TaskManager tasks;

  TaskManagerTest() {
    ObjectDirectory directory = new ObjectDirectory(table, new ChannelPool("t"), SELF, NodeId.random());
    ReferenceCounter refs = new ReferenceCounter(table,
        new BorrowedRefs(WorkerId.random(), NodeId.random(), new SilentOwnerLink(), releaser), directory, SELF);
    StoredObjects stored = new StoredObjects(new ChannelPool("t"), SELF, SELF, NodeId.random(), refs, directory);
    tasks = new TaskManager(table, refs, stored, timers, (t, id, e) -> lostArguments.add(id.hex()));
  }

  @AfterEach
  void stop() {
    releaser.shutdownNow();
    timers.close();
  }

  /** A submitted task with {@code maxRetries}, its arguments resolved; the caller keeps the ref. */
  private PendingTask submitted(int maxRetries, boolean retryExceptions, List<ObjectRef<?>> keep) {
    TaskId id = TaskId.random();
    ObjectId ret = TaskManager.returnIdOf(id);
    keep.add(table.addPending(ret, SELF));
    PendingTask t = new PendingTask(ProtoIds.bytes(id), ret, "T.f", PARENT, List.of());
    tasks.add(t);
    assertThat(t.state()).isEqualTo(TaskState.PENDING_ARGS);
    t.resolved(TaskSpec.newBuilder().setTaskId(t.taskId).setMaxRetries(maxRetries)
        .setRetryExceptions(retryExceptions).build(), null);
    assertThat(tasks.submitted(t)).isTrue();
    return t;
  }

  /** Like {@link #submitted}, then pushed to a worker and cancelled there. */
  private PendingTask cancelledWhileRunning(int maxRetries, boolean retryExceptions, List<ObjectRef<?>> keep) {
    PendingTask t = submitted(maxRetries, retryExceptions, keep);
    assertThat(tasks.running(t, WORKER)).isTrue();
    assertThat(tasks.cancel(t)).isEqualTo(TaskState.RUNNING);
    return t;
  }

  private static TaskResult value(PendingTask t, byte[] v) {
    return TaskResult.newBuilder().setTaskId(t.taskId).setValue(ByteString.copyFrom(v)).build();
  }

  private static TaskResult thrown(PendingTask t) {
    return TaskResult.newBuilder().setTaskId(t.taskId).setError(
        RemoteErrors.of(ErrorInfo.Type.TASK_EXCEPTION, "boom", "T.f").toBuilder().setClassName("X")).build();
  }

  @Test
  void aTaskGoesThroughItsStatesAndLeavesTheTableWhenDone() throws Exception {
    List<ObjectRef<?>> keep = new ArrayList<>();
    PendingTask t = submitted(3, false, keep);
    assertThat(tasks.get(ProtoIds.taskId(t.taskId))).isSameAs(t);
    assertThat(t.state()).isEqualTo(TaskState.SUBMITTED);
    tasks.running(t, WORKER);
    assertThat(tasks.countByState()).isEqualTo(Map.of(TaskState.RUNNING, 1));

    assertThat(tasks.onResult(t, value(t, new byte[] {7}))).isFalse();

    assertThat(t.state()).isEqualTo(TaskState.FINISHED);
    assertThat(tasks.get(ProtoIds.taskId(t.taskId))).isNull();
    assertThat(tasks.size()).isZero();
    assertThat(table.get(t.returnId).get(1, TimeUnit.SECONDS).bytes()).containsExactly(7);
  }

  @Test
  void anExceptionIsRetriedOnlyWhenAskedAndWithinBudget() throws Exception {
    List<ObjectRef<?>> keep = new ArrayList<>();
    PendingTask noRetry = submitted(3, false, keep);
    assertThat(tasks.onResult(noRetry, thrown(noRetry))).isFalse();
    assertThat(noRetry.state()).isEqualTo(TaskState.FAILED);
    assertThat(table.get(noRetry.returnId).get(1, TimeUnit.SECONDS).error().getType())
        .isEqualTo(ErrorInfo.Type.TASK_EXCEPTION);

    PendingTask once = submitted(1, true, keep);
    assertThat(tasks.onResult(once, thrown(once))).as("first failure: retried").isTrue();
    assertThat(once.state()).isEqualTo(TaskState.SUBMITTED);
    assertThat(once.attempt).isEqualTo(1);
    assertThat(once.specForAttempt().getAttempt()).isEqualTo(1);
    assertThat(table.get(once.returnId).isDone()).isFalse();
    assertThat(tasks.onResult(once, thrown(once))).as("budget spent").isFalse();
    assertThat(once.state()).isEqualTo(TaskState.FAILED);
  }

  @Test
  void aDeadWorkerRetriesUntilTheBudgetIsSpentThenFailsWithWorkerCrashed() throws Exception {
    List<ObjectRef<?>> keep = new ArrayList<>();
    PendingTask t = submitted(1, false, keep);
    tasks.running(t, WORKER);
    assertThat(tasks.onWorkerDied(t, Status.UNAVAILABLE.withDescription("gone"))).isTrue();
    assertThat(t.state()).isEqualTo(TaskState.SUBMITTED);
    tasks.running(t, WORKER);
    assertThat(tasks.onWorkerDied(t, Status.UNAVAILABLE.withDescription("gone again"))).isFalse();
    ObjectValue v = table.get(t.returnId).get(1, TimeUnit.SECONDS);
    assertThat(v.error().getType()).isEqualTo(ErrorInfo.Type.WORKER_CRASHED);
    assertThat(v.error().getMessage()).contains("T.f", "gone again", "maxRetries=1");
    assertThat(tasks.size()).isZero();
  }

  @Test
  void aLostArgumentHandsTheTaskToRecoveryWithoutFailingIt() throws Exception {
    List<ObjectRef<?>> keep = new ArrayList<>();
    PendingTask t = submitted(0, false, keep);
    ObjectId arg = ObjectId.forReturn(TaskId.random(), 0);
    TaskResult lost = TaskResult.newBuilder().setTaskId(t.taskId).setError(RemoteErrors.of(
        ErrorInfo.Type.OBJECT_LOST, "argument 0 is lost", "T.f").toBuilder().setLostObjectId(ProtoIds.bytes(arg)))
        .build();
    assertThat(tasks.onResult(t, lost)).isFalse();
    assertThat(t.state()).isEqualTo(TaskState.PENDING_ARGS);
    assertThat(tasks.get(ProtoIds.taskId(t.taskId))).as("still in the table").isSameAs(t);
    CompletableFuture<ObjectValue> f = table.get(t.returnId);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (lostArguments.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(lostArguments).containsExactly(arg.hex());
    assertThat(f.isDone()).isFalse();
  }

  @Test
  void aResultNobodyWaitsForChangesNothing() {
    List<ObjectRef<?>> keep = new ArrayList<>();
    PendingTask t = submitted(0, false, keep);
    tasks.onUnexpectedResult(value(t, new byte[] {1}));
    assertThat(tasks.get(ProtoIds.taskId(t.taskId))).isSameAs(t);
    assertThat(table.get(t.returnId).isDone()).isFalse();
  }

  private static ErrorInfo.Type errorTypeOf(ObjectValue v) {
    return v.isError() ? v.error().getType() : null;
  }

  @Test
  void aCancelledTaskFailsWithTaskCancelledAndNoPartMayMoveItAgain() throws Exception {
    List<ObjectRef<?>> keep = new ArrayList<>();
    PendingTask t = cancelledWhileRunning(3, true, keep);

    assertThat(t.state()).isEqualTo(TaskState.CANCELLED);
    assertThat(tasks.get(ProtoIds.taskId(t.taskId))).isNull();
    ObjectValue v = table.get(t.returnId).get(1, TimeUnit.SECONDS);
    assertThat(v.error().getType()).isEqualTo(ErrorInfo.Type.TASK_CANCELLED);
    assertThat(v.error().getMessage()).contains("T.f", ProtoIds.taskId(t.taskId).hex());
    assertThat(RemoteErrors.toException(v.error())).isInstanceOf(io.jray.api.exception.TaskCancelledException.class);
    assertThat(tasks.submitted(t)).isFalse();
    assertThat(tasks.running(t, WORKER)).isFalse();
    assertThat(tasks.cancel(t)).as("a second cancel changes nothing").isNull();
  }

  @Test
  void aCancelledTaskIsNeverRetriedWhateverItsBudget() throws Exception {
    List<ObjectRef<?>> keep = new ArrayList<>();
    PendingTask threw = cancelledWhileRunning(5, true, keep);
    assertThat(tasks.onResult(threw, thrown(threw))).as("retryExceptions with budget left").isFalse();

    PendingTask crashed = cancelledWhileRunning(-1, false, keep);
    assertThat(tasks.onWorkerDied(crashed, Status.UNAVAILABLE)).as("unlimited retries").isFalse();

    PendingTask lostArg = cancelledWhileRunning(5, false, keep);
    TaskResult lost = TaskResult.newBuilder().setTaskId(lostArg.taskId).setError(RemoteErrors.of(
        ErrorInfo.Type.OBJECT_LOST, "argument 0 is lost", "T.f").toBuilder()
        .setLostObjectId(ProtoIds.bytes(ObjectId.forReturn(TaskId.random(), 0)))).build();
    assertThat(tasks.onResult(lostArg, lost)).isFalse();

    for (PendingTask t : List.of(threw, crashed, lostArg)) {
      assertThat(t.attempt).isZero();
      assertThat(t.state()).isEqualTo(TaskState.CANCELLED);
      assertThat(errorTypeOf(table.get(t.returnId).get(1, TimeUnit.SECONDS))).isEqualTo(ErrorInfo.Type.TASK_CANCELLED);
    }
    Thread.sleep(400); // past the lost-argument delay: nothing was handed to recovery
    assertThat(lostArguments).isEmpty();
    assertThat(tasks.size()).isZero();
  }

  @Test
  void aValueArrivingAfterTheCancelIsDiscardedAndACancelAfterTheValueChangesNothing() throws Exception {
    List<ObjectRef<?>> keep = new ArrayList<>();
    PendingTask late = cancelledWhileRunning(0, false, keep);
    assertThat(tasks.onResult(late, value(late, new byte[] {9}))).isFalse();
    assertThat(errorTypeOf(table.get(late.returnId).get(1, TimeUnit.SECONDS))).isEqualTo(ErrorInfo.Type.TASK_CANCELLED);

    PendingTask done = submitted(0, false, keep);
    tasks.running(done, WORKER);
    tasks.onResult(done, value(done, new byte[] {4}));
    assertThat(tasks.cancel(done)).isNull();
    assertThat(done.state()).isEqualTo(TaskState.FINISHED);
    assertThat(table.get(done.returnId).get(1, TimeUnit.SECONDS).bytes()).containsExactly(4);
  }

  /** A result and a cancel at the same moment, many times: one outcome each time, and the one the winner decided. */
  @Test
  void aResultRacingACancelEndsWithExactlyOneOfThem() throws Exception {
    List<ObjectRef<?>> keep = new ArrayList<>();
    java.util.concurrent.ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      int cancelled = 0;
      int finished = 0;
      for (int i = 0; i < 2_000; i++) {
        PendingTask t = submitted(0, false, keep);
        tasks.running(t, WORKER);
        java.util.concurrent.CyclicBarrier go = new java.util.concurrent.CyclicBarrier(2);
        var result = pool.submit(() -> {
          go.await();
          return tasks.onResult(t, value(t, new byte[] {1}));
        });
        var cancel = pool.submit(() -> {
          go.await();
          return tasks.cancel(t);
        });
        assertThat(result.get(5, TimeUnit.SECONDS)).isFalse();
        TaskState cancelledIn = cancel.get(5, TimeUnit.SECONDS);
        ObjectValue v = table.get(t.returnId).get(1, TimeUnit.SECONDS);
        if (cancelledIn != null) {
          cancelled++;
          assertThat(t.state()).isEqualTo(TaskState.CANCELLED);
          assertThat(errorTypeOf(v)).isEqualTo(ErrorInfo.Type.TASK_CANCELLED);
        } else {
          finished++;
          assertThat(t.state()).isEqualTo(TaskState.FINISHED);
          assertThat(v.bytes()).containsExactly(1);
        }
        keep.clear();
      }
      assertThat(cancelled + finished).isEqualTo(2_000);
      assertThat(tasks.size()).isZero();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void childrenAreTheUnfinishedTasksSubmittedUnderAParent() {
    List<ObjectRef<?>> keep = new ArrayList<>();
    PendingTask a = submitted(0, false, keep);
    PendingTask b = submitted(0, false, keep);
    TaskId other = TaskId.random();
    ObjectId ret = TaskManager.returnIdOf(other);
    keep.add(table.addPending(ret, SELF));
    PendingTask stranger = new PendingTask(ProtoIds.bytes(other), ret, "T.g", ProtoIds.bytes(TaskId.random()),
        List.of());
    tasks.add(stranger);
    assertThat(tasks.childrenOf(PARENT)).containsExactlyInAnyOrder(a, b);
    tasks.cancel(a);
    assertThat(tasks.childrenOf(PARENT)).containsExactly(b);
  }
}
