package io.jray.runtime;

import com.google.protobuf.ByteString;
import io.jray.common.config.JRayConfig;
import io.jray.common.gcs.GcsClient;
import io.jray.proto.Address;
import io.jray.proto.AddTaskEventsRequest;
import io.jray.proto.ErrorInfo;
import io.jray.proto.TaskEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Task state transitions on their way to GCS (DESIGN §13): recorded on whatever thread moves a
 * task (a submitter, a gRPC thread delivering a result, the executor), kept in a bounded buffer,
 * and sent in batches by a thread of its own every {@code task-events.flush-ms} or as soon as
 * {@code task-events.batch} are waiting. Recording never blocks and never calls out: when the
 * buffer is full the event is dropped and counted, and the count goes to GCS with the next batch,
 * which shows it per job. Nothing is retried: a batch GCS did not take is counted as dropped too,
 * since task events are for people looking, not for the runtime.
 *
 * <p>Threads: {@link #record} from any thread (a lock-based bounded queue, one offer); the
 * {@code task-events} daemon thread builds the protos and makes the blocking GCS call.
 */
final class TaskEventBuffer {
  private static final Logger LOG = LoggerFactory.getLogger(TaskEventBuffer.class);

  /** One transition, as cheap to make as possible on the recording thread; the proto is built later. */
  private record Transition(ByteString taskId, TaskEvent.State state, int attempt, long timeMs, ErrorInfo error,
      boolean retry, String name, ByteString parentTaskId, boolean actorCall, ByteString workerId, ByteString nodeId) {}

  private final ArrayBlockingQueue<Transition> queue;
  private final int batch;
  private final long flushMs;
  private final ByteString jobId;
  private final Address self;
  private final Supplier<GcsClient> gcs;
  private final AtomicLong dropped = new AtomicLong();
  private final Thread sender;
  private volatile boolean closed;

  private TaskEventBuffer(int capacity, int batch, long flushMs, ByteString jobId, Address self,
      Supplier<GcsClient> gcs) {
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.batch = batch;
    this.flushMs = flushMs;
    this.jobId = jobId;
    this.self = self;
    this.gcs = gcs;
    this.sender = Thread.ofPlatform().daemon().name("task-events").unstarted(this::run);
  }

  /** A started buffer, or null when {@code task-events.enabled} is false (recording is then a null check). */
  static TaskEventBuffer startIfEnabled(ByteString jobId, Address self, Supplier<GcsClient> gcs) {
    if (!JRayConfig.getBoolean(JRayConfig.TASK_EVENTS_ENABLED)) {
      return null;
    }
    int capacity = Math.max(1, JRayConfig.getInt(JRayConfig.TASK_EVENTS_BUFFER));
    int batch = Math.max(1, Math.min(capacity, JRayConfig.getInt(JRayConfig.TASK_EVENTS_BATCH)));
    TaskEventBuffer b = new TaskEventBuffer(capacity, batch, Math.max(10, JRayConfig.getLong(
        JRayConfig.TASK_EVENTS_FLUSH_MS)), jobId, self, gcs);
    b.sender.start();
    return b;
  }

  /** The owner moved {@code t} to {@code state}; {@code error} for FAILED, else null. */
  void moved(PendingTask t, TaskState state, ErrorInfo error, boolean retry) {
    // the task's description rides on its PENDING_ARGS events only (the strings are shared, not copied)
    boolean describe = state == TaskState.PENDING_ARGS;
    offer(new Transition(t.taskId, TaskEvent.State.forNumber(state.ordinal() + 1), t.attempt,
        System.currentTimeMillis(), error, retry, describe ? t.functionName : null,
        describe ? t.parentTaskId : null, t.actorCall, null, null));
  }

  /** This worker starts running the attempt {@code attempt} of task {@code taskId}. */
  void started(ByteString taskId, int attempt) {
    offer(new Transition(taskId, TaskEvent.State.RUNNING, attempt, System.currentTimeMillis(), null, false, null,
        null, false, self.getWorkerId(), self.getNodeId()));
  }

  private void offer(Transition e) {
    if (!queue.offer(e)) {
      dropped.incrementAndGet();
    } else if (queue.size() == batch) {
      LockSupport.unpark(sender);
    }
  }

  /** Events recorded and not sent, and dropped so far (tests, status). */
  long droppedCount() {
    return dropped.get();
  }

  /** Sends what is buffered, then stops the sender (shutdown: the last transitions reach GCS). */
  void close() {
    closed = true;
    LockSupport.unpark(sender);
    try {
      sender.join(3_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    List<Transition> drained = new ArrayList<>(batch);
    while (true) {
      if (queue.size() < batch && !closed) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(flushMs));
      }
      boolean last = closed;
      do {
        drained.clear();
        queue.drainTo(drained, batch);
        send(drained);
      } while (drained.size() == batch);
      if (last) {
        return;
      }
    }
  }

  private void send(List<Transition> drained) {
    long droppedNow = dropped.get();
    if (drained.isEmpty() && droppedNow == 0) {
      return;
    }
    GcsClient client = gcs.get();
    if (client == null) { // not connected yet: they wait in the buffer (or overflow it)
      requeueOrDrop(drained);
      return;
    }
    AddTaskEventsRequest.Builder b = AddTaskEventsRequest.newBuilder().setJobId(jobId).setDropped(droppedNow);
    for (Transition t : drained) {
      b.addEvents(toProto(t));
    }
    try {
      client.withReconnectTimeout(Duration.ZERO).addTaskEvents(b.build());
      dropped.addAndGet(-droppedNow);
    } catch (RuntimeException e) {
      dropped.addAndGet(drained.size());
      LOG.warn("{} task events of job {} not sent to GCS (counted as dropped): {}", drained.size(),
          io.jray.common.proto.ProtoIds.jobId(jobId), e.getMessage());
    }
  }

  private void requeueOrDrop(List<Transition> drained) {
    for (Transition t : drained) {
      if (!queue.offer(t)) {
        dropped.incrementAndGet();
      }
    }
  }

  private TaskEvent toProto(Transition t) {
    TaskEvent.Builder e = TaskEvent.newBuilder().setTaskId(t.taskId()).setJobId(jobId).setState(t.state())
        .setTimeMs(t.timeMs()).setAttempt(t.attempt()).setRetry(t.retry());
    if (t.name() != null) {
      e.setName(t.name()).setParentTaskId(t.parentTaskId()).setActorCall(t.actorCall()).setOwner(self);
    }
    if (t.workerId() != null) {
      e.setWorkerId(t.workerId()).setNodeId(t.nodeId());
    }
    if (t.error() != null) {
      e.setErrorType(t.error().getType().name()).setErrorMessage(t.error().getMessage());
    }
    return e.build();
  }
}
