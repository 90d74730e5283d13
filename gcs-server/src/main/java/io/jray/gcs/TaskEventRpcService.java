package io.jray.gcs;

import static io.jray.common.grpc.LoopCall.answer;
import static io.jray.common.grpc.LoopCall.require;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.jray.api.JobId;
import io.jray.api.NodeId;
import io.jray.api.TaskId;
import io.jray.api.WorkerId;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.state.StateFilter;
import io.jray.proto.AddTaskEventsReply;
import io.jray.proto.AddTaskEventsRequest;
import io.jray.proto.GetTasksReply;
import io.jray.proto.GetTasksRequest;
import io.jray.proto.TaskEvent;
import io.jray.proto.TaskEventServiceGrpc;
import java.util.List;

/**
 * {@code TaskEventService}: batches of task events in, task queries out (the state API; a
 * dashboard's {@code /api/tasks} can answer from {@link #query} as well). Each request is checked
 * whole on the netty thread, so a bad batch changes nothing; then it runs on the store's loop.
 *
 * <p>Threads: handlers validate on netty threads and hop onto {@code task-events}, which owns the
 * {@link TaskEventStore}; the GCS loop is not involved, so a flood of events does not slow
 * the control plane.
 */
final class TaskEventRpcService extends TaskEventServiceGrpc.TaskEventServiceImplBase {
  static final int MAX_EVENTS_PER_BATCH = 100_000;
  /** A task has six states; retries within one batch add a few more. */
  static final int MAX_UPDATES_PER_EVENT = 64;
  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 100_000;
  private final EventLoop loop;
  private final TaskEventStore store;

  TaskEventRpcService(EventLoop loop, TaskEventStore store) {
    this.loop = loop;
    this.store = store;
  }

  @Override
  public void addTaskEvents(AddTaskEventsRequest req, StreamObserver<AddTaskEventsReply> reply) {
    boolean ok = valid(reply, () -> {
      require(req.getJobId().size() == JobId.SIZE, "job_id must be " + JobId.SIZE + " bytes, got "
          + req.getJobId().size());
      require(req.getDropped() >= 0, "dropped must be >= 0, got " + req.getDropped());
      require(req.getTasksNotRecorded() >= 0, "tasks_not_recorded must be >= 0, got " + req.getTasksNotRecorded());
      require(req.getEventsCount() <= MAX_EVENTS_PER_BATCH, "at most " + MAX_EVENTS_PER_BATCH
          + " events per batch, got " + req.getEventsCount());
      for (int i = 0; i < req.getEventsCount(); i++) {
        check(req.getEvents(i), i);
      }
    });
    if (ok) {
      answer(loop, reply, () -> {
        store.add(req.getJobId(), req.getEventsList(), req.getDropped(), req.getTasksNotRecorded());
        return AddTaskEventsReply.getDefaultInstance();
      });
    }
  }

  /** Runs {@code check}; a failed one answers the call (INVALID_ARGUMENT with its message) and returns false. */
  private static boolean valid(StreamObserver<?> reply, Runnable check) {
    try {
      check.run();
      return true;
    } catch (IllegalArgumentException e) {
      reply.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
    } catch (StatusRuntimeException e) {
      reply.onError(e);
    }
    return false;
  }

  /**
   * Checks one event; the message of a refusal is built only when there is one, since this runs
   * for every task the cluster runs (building it eagerly was 13 % of GCS's CPU under load).
   */
  private static void check(TaskEvent e, int i) {
    checkId(e.getTaskId(), TaskId.SIZE, i, "task_id");
    if (!e.getJobId().isEmpty()) {
      checkId(e.getJobId(), JobId.SIZE, i, "job_id");
    }
    int updates = e.getUpdatesCount();
    if (updates > MAX_UPDATES_PER_EVENT) {
      throw refused(i, "at most " + MAX_UPDATES_PER_EVENT + " updates per event, got " + updates);
    }
    if (updates == 0) {
      checkTransition(e.getState(), e.getTimeMs(), i, -1);
    } else {
      if (e.getState() != TaskEvent.State.STATE_UNKNOWN || e.getTimeMs() != 0) {
        throw refused(i, "give either state and time_ms or updates, not both");
      }
      for (int u = 0; u < updates; u++) {
        checkTransition(e.getUpdates(u).getState(), e.getUpdates(u).getTimeMs(), i, u);
      }
    }
    if (e.getAttempt() < 0) {
      throw refused(i, "attempt must be >= 0, got " + e.getAttempt());
    }
    if (!e.getWorkerId().isEmpty() || !e.getNodeId().isEmpty()) {
      checkId(e.getWorkerId(), WorkerId.SIZE, i, "worker_id");
      checkId(e.getNodeId(), NodeId.SIZE, i, "node_id");
    }
    if (!e.getParentTaskId().isEmpty()) {
      checkId(e.getParentTaskId(), TaskId.SIZE, i, "parent_task_id");
    }
    if (e.getName().length() > 1024) {
      throw refused(i, "name is longer than 1024 characters");
    }
  }

  private static void checkTransition(TaskEvent.State state, long timeMs, int i, int update) {
    String at = update < 0 ? "" : "update " + update + ": ";
    if (state == TaskEvent.State.STATE_UNKNOWN || state == TaskEvent.State.UNRECOGNIZED) {
      throw refused(i, at + "state must be one of PENDING_ARGS, SUBMITTED, RUNNING, FINISHED, FAILED, CANCELLED");
    }
    if (timeMs <= 0 || timeMs >= (1L << 47)) {
      throw refused(i, at + "time_ms must be a time in ms since 1970, got " + timeMs);
    }
  }

  private static void checkId(ByteString id, int size, int i, String what) {
    if (id.size() != size) {
      throw refused(i, what + " must be " + size + " bytes, got " + id.size());
    }
  }

  private static IllegalArgumentException refused(int i, String why) {
    return new IllegalArgumentException("event " + i + ": " + why);
  }

  @Override
  public void getTasks(GetTasksRequest req, StreamObserver<GetTasksReply> reply) {
    List<StateFilter> filters = new java.util.ArrayList<>();
    boolean ok = valid(reply, () -> {
      require(req.getLimit() >= 0 && req.getLimit() <= MAX_LIMIT, "limit must be 0.." + MAX_LIMIT + " (0: "
          + DEFAULT_LIMIT + "), got " + req.getLimit());
      filters.addAll(StateFilter.fromProtos(req.getFiltersList()));
      StateFilter.checkKeys(filters, TaskEventStore.FILTER_KEYS, "tasks");
    });
    if (ok) {
      int limit = req.getLimit() == 0 ? DEFAULT_LIMIT : req.getLimit();
      answer(loop, reply, () -> store.query(filters, limit, req.getDetail(), req.getCountsOnly()));
    }
  }
}
