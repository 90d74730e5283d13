package io.jray.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.jray.api.Func1;
import io.jray.api.NodeId;
import io.jray.api.ObjectId;
import io.jray.api.Remote;
import io.jray.api.TaskId;
import io.jray.api.WorkerId;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.grpc.ChannelPool;
import io.jray.common.proto.ProtoIds;
import io.jray.common.serialization.ObjectCodec;
import io.jray.proto.Address;
import io.jray.proto.ErrorInfo;
import io.jray.proto.PushTaskReply;
import io.jray.proto.TaskArg;
import io.jray.proto.TaskResult;
import io.jray.proto.TaskSpec;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The worker side of a cancel: a real {@link TaskReceiver} and its executor thread running real
 * {@code @Remote} methods, with the push stream's reply side recorded. (A forced cancel ends the
 * process, so it is covered by CancelIT instead.)
 */
class TaskReceiverTest {
  private static final Address SELF = Address.newBuilder().setHost("127.0.0.1").setPort(1)
      .setWorkerId(ProtoIds.bytes(WorkerId.random())).setNodeId(ProtoIds.bytes(NodeId.random())).build();

  /** What the tasks did, by the key each was given. */
  static final Set<String> RAN = ConcurrentHashMap.newKeySet();
  static final Set<String> INTERRUPTED = ConcurrentHashMap.newKeySet();
  static final Map<String, Boolean> CANCELLED_INSIDE = new ConcurrentHashMap<>();

  @Remote
  static final class Work {
    private Work() {}

    /** Runs until interrupted; notes both. */
    public static String untilInterrupted(String key) throws InterruptedException {
      RAN.add(key);
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        INTERRUPTED.add(key);
        throw e;
      }
      return key;
    }

    /** Ignores the interrupt and returns a value; notes whether its children would be cancelled. */
    public static String swallowsInterrupt(String key) {
      RAN.add(key);
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < until) {
        try {
          Thread.sleep(60_000);
        } catch (InterruptedException e) {
          INTERRUPTED.add(key);
          CANCELLED_INSIDE.put(key, current.cancelled(current.id()));
          return key;
        }
      }
      return key;
    }

    /** A short nap, which an interrupt left over from an earlier task would cut short. */
    public static String nap(String key) throws InterruptedException {
      RAN.add(key);
      Thread.sleep(200);
      return key;
    }
  }

  private static CurrentTask current;
  private final ScheduledExecutorService releaser = Executors.newSingleThreadScheduledExecutor();
  private final EventLoop timers = new EventLoop("test-timers");
  private final List<String> childrenCancelled = new CopyOnWriteArrayList<>();
  private final List<TaskResult> answered = new CopyOnWriteArrayList<>();
  private final TaskReceiver receiver;
  private final TaskReceiver.ResultSink sink;

  TaskReceiverTest() {
    RAN.clear();
    INTERRUPTED.clear();
    CANCELLED_INSIDE.clear();
    current = new CurrentTask();
    OwnershipTable table = new OwnershipTable((id, v, copies) -> { }, 1 << 20);
    ChannelPool channels = new ChannelPool("t");
    ObjectDirectory directory = new ObjectDirectory(table, channels, SELF, NodeId.random());
    ReferenceCounter refs = new ReferenceCounter(table,
        new BorrowedRefs(WorkerId.random(), NodeId.random(), new SilentOwnerLink(), releaser), directory, SELF);
    StoredObjects stored = new StoredObjects(channels, SELF, SELF, NodeId.random(), refs, directory);
    ObjectFetcher fetcher = new ObjectFetcher(channels);
    ObjectRecovery recovery = new ObjectRecovery(table, directory, fetcher, t -> { }, (t, e) -> { },
        (t, earlier, spec, args) -> { });
    ObjectReader reader = new ObjectReader(table, fetcher, stored, refs,
        new BlockedNotice(channels, SELF, WorkerId.random(), current), recovery, SELF);
    CountDownLatch registered = new CountDownLatch(1);
    registered.countDown();
    receiver = new TaskReceiver(WorkerId.random(), reader, refs, stored, current, registered, () -> { },
        (parent, force) -> childrenCancelled.add(ProtoIds.taskId(parent).hex() + (force ? " force" : "")),
        host -> { });
    sink = new TaskReceiver.ResultSink(new StreamObserver<PushTaskReply>() {
      @Override
      public void onNext(PushTaskReply r) {
        answered.addAll(r.getResultsList());
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    });
  }

  @AfterEach
  void stop() {
    releaser.shutdownNow();
    timers.close();
  }

  private static TaskSpec spec(Func1<String, String> fn, String key) {
    return TaskSpec.newBuilder().setTaskId(ProtoIds.bytes(TaskId.random())).setFunction(RemoteFunction.of(fn).descriptor)
        .addArgs(TaskArg.newBuilder().setInlineValue(ByteString.copyFrom(ObjectCodec.encode(key))))
        .setReturnObjectId(ProtoIds.bytes(ObjectId.forReturn(TaskId.random(), 0))).setOwner(SELF).build();
  }

  private TaskResult answerFor(TaskSpec s) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      for (TaskResult r : answered) {
        if (r.getTaskId().equals(s.getTaskId())) {
          return r;
        }
      }
      Thread.sleep(5);
    }
    throw new AssertionError("no answer for " + s.getFunction().getMethodName());
  }

  private static void awaitRunning(String key) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!RAN.contains(key) && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(RAN).contains(key);
  }

  private static String valueOf(TaskResult r) {
    return (String) ObjectCodec.decode(r.getValue().toByteArray());
  }

  @Test
  void aQueuedTaskIsSkippedAndTheRunningOneInterruptedWithoutReachingTheNext() throws Exception {
    TaskSpec running = spec(Work::untilInterrupted, "running");
    TaskSpec queued = spec(Work::nap, "queued");
    TaskSpec next = spec(Work::nap, "next");
    receiver.enqueue(List.of(running, queued, next), sink);
    awaitRunning("running");

    receiver.cancel(queued.getTaskId(), false, true, sink);
    receiver.cancel(running.getTaskId(), false, false, sink);

    TaskResult r = answerFor(running);
    assertThat(INTERRUPTED).contains("running");
    assertThat(r.getError().getClassName()).isEqualTo(InterruptedException.class.getName());
    TaskResult skipped = answerFor(queued);
    assertThat(skipped.getError().getType()).isEqualTo(ErrorInfo.Type.TASK_CANCELLED);
    assertThat(skipped.getError().getMessage()).contains("before it started");
    assertThat(RAN).doesNotContain("queued");
    assertThat(childrenCancelled).as("neither was cancelled recursively while running").isEmpty();
    // the task after them naps undisturbed: the interrupt ended with the cancelled task
    assertThat(valueOf(answerFor(next))).isEqualTo("next");
  }

  @Test
  void aRecursiveCancelReachesTheChildrenAndMarksTheRunningTaskForLaterSubmits() throws Exception {
    TaskSpec parent = spec(Work::swallowsInterrupt, "parent");
    receiver.enqueue(List.of(parent), sink);
    awaitRunning("parent");

    receiver.cancel(parent.getTaskId(), false, true, sink);

    TaskResult r = answerFor(parent);
    assertThat(valueOf(r)).as("the worker reports what the code did; the owner has recorded the cancel").isEqualTo(
        "parent");
    assertThat(childrenCancelled).containsExactly(ProtoIds.taskId(parent.getTaskId()).hex());
    assertThat(CANCELLED_INSIDE).containsEntry("parent", true);
    assertThat(current.cancelled(ProtoIds.taskId(parent.getTaskId()))).as("cleared once it ended").isFalse();
  }

  @Test
  void aCancelOfATaskAlreadyAnsweredOrOfAnotherStreamChangesNothing() throws Exception {
    TaskSpec done = spec(Work::nap, "done");
    receiver.enqueue(List.of(done), sink);
    assertThat(valueOf(answerFor(done))).isEqualTo("done");
    receiver.cancel(done.getTaskId(), true, true, sink); // a forced cancel of nothing: no exit

    TaskSpec other = spec(Work::nap, "other");
    receiver.enqueue(List.of(other), sink);
    receiver.cancel(other.getTaskId(), false, true, new TaskReceiver.ResultSink(null));
    assertThat(valueOf(answerFor(other))).isEqualTo("other");
    assertThat(childrenCancelled).isEmpty();
  }
}
