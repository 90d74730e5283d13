package io.jray.runtime;

import com.google.protobuf.ByteString;
import io.jray.common.config.JRayConfig;
import io.jray.common.gcs.GcsClient;
import io.jray.common.gcs.GcsUnavailableException;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.Address;
import io.jray.proto.AddTaskEventsRequest;
import io.jray.proto.ErrorInfo;
import io.jray.proto.TaskEvent;
import java.time.Duration;
import io.jray.proto.StateUpdate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * which shows it per job. A batch sent while GCS is unreachable (a restart, issue 13) goes back
 * into the buffer and is sent once GCS is back, within the buffer's bound; a batch GCS refused is
 * counted as dropped, since task events are for people looking, not for the runtime.
 *
 * <p>A batch carries one {@link TaskEvent} per task attempt with its transitions as updates
 * (Ray's {@code state_updates}), and only owners report: RUNNING as the owner pushes the task,
 * with the worker and node it went to. Sending each transition as an event of its own, and the
 * executor's RUNNING from the worker besides, cost 14-44 % of {@code single_client_tasks_async}
 * on two cores, mostly in GCS parsing and keeping twice the events.
 *
 * <p>Threads: {@link #moved} from any thread (a lock-free queue and a
 * counter that bounds it: two compare-and-sets, no lock a submitter could wait on); the
 * {@code task-events} daemon thread groups, builds the protos and makes the blocking GCS call.
 */
final class TaskEventBuffer {
  private static final Logger LOG = LoggerFactory.getLogger(TaskEventBuffer.class);

  /** One transition, as cheap to make as possible on the recording thread; the proto is built later. */
  private record Transition(ByteString taskId, TaskEvent.State state, int attempt, long timeMs, ErrorInfo error,
      boolean retry, String name, ByteString parentTaskId, boolean actorCall, ByteString workerId, ByteString nodeId) {}

  private final ConcurrentLinkedQueue<Transition> queue = new ConcurrentLinkedQueue<>();
  /** Transitions in {@link #queue}: counted apart, since the queue's own size() walks it. */
  private final AtomicInteger queued = new AtomicInteger();
  private final int capacity;
  private final int batch;
  private final long flushMs;
  private final ByteString jobId;
  private final Address self;
  private final Supplier<GcsClient> gcs;
  private final AtomicLong dropped = new AtomicLong();
  /** Tasks not recorded since the last batch sent: past {@link #maxRate} a second. */
  private final AtomicLong notRecorded = new AtomicLong();
  /** Tasks recorded per second at most (0: all). */
  private final int maxRate;
  /** The current one-second window (System.nanoTime() / 1e9) and the tasks admitted in it. */
  private final AtomicLong window = new AtomicLong();
  private final AtomicInteger admittedInWindow = new AtomicInteger();
  private final Thread sender;
  private volatile boolean closed;
  /**
   * Function names as UTF-8, by identity (a task's name is its function's one shared string):
   * encoding the name anew for every task was a hot spot of the sender; sender thread only.
   */
  private final Map<String, ByteString> names = new java.util.IdentityHashMap<>();
  /** When the current GCS outage began (System.nanoTime()), 0 while GCS takes batches; sender thread only. */
  private long downSince;

  private TaskEventBuffer(int capacity, int batch, long flushMs, int maxRate, ByteString jobId, Address self,
      Supplier<GcsClient> gcs) {
    this.capacity = capacity;
    this.maxRate = maxRate;
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
        JRayConfig.TASK_EVENTS_FLUSH_MS)), Math.max(0, JRayConfig.getInt(JRayConfig.TASK_EVENTS_MAX_RATE)), jobId,
        self, gcs);
    b.sender.start();
    return b;
  }

  /**
   * Whether a task submitted now is recorded: at most {@code task-events.max-rate} a second, so
   * that a process running 100,000 tiny tasks a second does not spend a third of two cores telling
   * GCS about them (measured: -40 % of {@code single_client_tasks_async} unbounded). The rest are
   * counted and GCS shows the count; their failures are still reported.
   */
  boolean admit() {
    if (maxRate == 0) {
      return true;
    }
    long w = System.nanoTime() / 1_000_000_000L;
    long current = window.get();
    if (w != current && window.compareAndSet(current, w)) {
      admittedInWindow.set(0);
    }
    // past the rate, only read the shared counter: no contended increments on the submit path
    if (admittedInWindow.get() < maxRate && admittedInWindow.incrementAndGet() <= maxRate) {
      return true;
    }
    notRecorded.incrementAndGet();
    return false;
  }

  /** A task that was not recorded ({@link #admit}) failed: its failure is, with its description. */
  void failedUnrecorded(PendingTask t, ErrorInfo error) {
    offer(new Transition(t.taskId, TaskEvent.State.FAILED, t.attempt, System.currentTimeMillis(), error, false,
        t.functionName, t.parentTaskId, t.actorCall, null, null));
  }

  /**
   * The owner moved {@code t} to {@code state}; {@code error} for FAILED, else null; {@code worker}
   * for RUNNING: the worker it was pushed to, else null.
   */
  void moved(PendingTask t, TaskState state, ErrorInfo error, boolean retry, Address worker) {
    // the task's description rides on its PENDING_ARGS events only (the strings are shared, not copied)
    boolean describe = state == TaskState.PENDING_ARGS;
    offer(new Transition(t.taskId, TaskEvent.State.forNumber(state.ordinal() + 1), t.attempt,
        System.currentTimeMillis(), error, retry, describe ? t.functionName : null,
        describe ? t.parentTaskId : null, t.actorCall, worker == null ? null : worker.getWorkerId(),
        worker == null ? null : worker.getNodeId()));
  }

  private void offer(Transition e) {
    if (!tryOffer(e)) {
      dropped.incrementAndGet();
    }
  }

  private boolean tryOffer(Transition e) {
    int n = queued.incrementAndGet();
    if (n > capacity) {
      queued.decrementAndGet();
      return false;
    }
    queue.offer(e);
    if (n == batch) {
      LockSupport.unpark(sender);
    }
    return true;
  }

  /** Up to {@code max} transitions, oldest first, into {@code out} (sender thread only). */
  private void drainTo(List<Transition> out, int max) {
    Transition t;
    while (out.size() < max && (t = queue.poll()) != null) {
      out.add(t);
    }
    queued.addAndGet(-out.size());
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
      if (queued.get() < batch && !closed) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(flushMs));
      }
      boolean last = closed;
      boolean sent;
      do {
        drained.clear();
        drainTo(drained, batch);
        sent = send(drained);
      } while (sent && drained.size() == batch); // GCS down: wait a flush interval before trying again
      if (last) {
        return;
      }
    }
  }

  /** False when GCS could not be reached and {@code drained} went back into the buffer. */
  private boolean send(List<Transition> drained) {
    long droppedNow = dropped.get();
    long notRecordedNow = notRecorded.get();
    if (drained.isEmpty() && droppedNow == 0 && notRecordedNow == 0) {
      return true;
    }
    GcsClient client = gcs.get();
    if (client == null) { // not connected yet: they wait in the buffer (or overflow it)
      requeueOrDrop(drained);
      return false;
    }
    AddTaskEventsRequest b = grouped(drained, droppedNow).toBuilder().setTasksNotRecorded(notRecordedNow).build();
    try {
      client.withReconnectTimeout(Duration.ZERO).addTaskEvents(b);
      dropped.addAndGet(-droppedNow);
      notRecorded.addAndGet(-notRecordedNow);
      if (downSince != 0) {
        LOG.warn("task events of job {} reach GCS again after {} ms", ProtoIds.jobId(jobId),
            (System.nanoTime() - downSince) / 1_000_000);
        downSince = 0;
      }
      return true;
    } catch (GcsUnavailableException e) {
      requeueOrDrop(drained);
      if (downSince == 0) {
        downSince = System.nanoTime();
        LOG.warn("task events of job {} wait in the buffer (at most {}) until GCS is back: {}",
            ProtoIds.jobId(jobId), capacity, e.getMessage());
      }
      return false;
    } catch (RuntimeException e) {
      dropped.addAndGet(drained.size());
      LOG.warn("{} task events of job {} refused by GCS (counted as dropped): {}", drained.size(),
          ProtoIds.jobId(jobId), e.getMessage());
      return true;
    }
  }

  private void requeueOrDrop(List<Transition> drained) {
    for (Transition t : drained) {
      if (!tryOffer(t)) {
        dropped.incrementAndGet();
      }
    }
  }

  private ByteString nameBytes(String name) {
    ByteString b = names.get(name);
    if (b == null) {
      if (names.size() >= 10_000) {
        names.clear(); // names made per call (not one per function) must not grow it without end
      }
      b = ByteString.copyFromUtf8(name);
      names.put(name, b);
    }
    return b;
  }

  /**
   * The batch for {@code drained}: one event per task attempt, in the order of each attempt's
   * first transition, its transitions as updates in the order they were recorded.
   */
  private AddTaskEventsRequest grouped(List<Transition> drained, long droppedNow) {
    List<TaskEvent.Builder> events = new ArrayList<>();
    Map<ByteString, TaskEvent.Builder> byTask = new HashMap<>(drained.size() * 2);
    for (Transition t : drained) {
      TaskEvent.Builder e = byTask.get(t.taskId());
      if (e == null || e.getAttempt() != t.attempt()) {
        e = TaskEvent.newBuilder().setTaskId(t.taskId()).setAttempt(t.attempt());
        byTask.put(t.taskId(), e);
        events.add(e);
      }
      e.addUpdates(StateUpdate.newBuilder().setState(t.state()).setTimeMs(t.timeMs()));
      if (t.retry()) {
        e.setRetry(true);
      }
      if (t.name() != null) {
        e.setNameBytes(nameBytes(t.name())).setParentTaskId(t.parentTaskId()).setActorCall(t.actorCall()).setOwner(self);
      }
      if (t.workerId() != null) {
        e.setWorkerId(t.workerId()).setNodeId(t.nodeId());
      }
      if (t.error() != null) {
        e.setErrorType(t.error().getType().name()).setErrorMessage(t.error().getMessage());
      }
    }
    AddTaskEventsRequest.Builder b = AddTaskEventsRequest.newBuilder().setJobId(jobId).setDropped(droppedNow);
    for (TaskEvent.Builder e : events) {
      b.addEvents(e);
    }
    return b.build();
  }
}
