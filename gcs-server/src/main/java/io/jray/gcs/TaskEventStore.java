package io.jray.gcs;

import com.google.protobuf.ByteString;
import io.jray.common.state.StateFilter;
import io.jray.proto.GetTasksReply;
import io.jray.proto.TaskCount;
import io.jray.proto.TaskDrops;
import io.jray.proto.TaskEvent;
import io.jray.proto.TaskInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The tasks GCS has events of (DESIGN §13), pieced together from the transitions their owners and
 * executors report: at most {@code capacity} tasks in memory, the oldest (by first event) dropped
 * first, drops counted per job, as are the events workers could not send. Not persisted: task
 * history is for people looking, and a restarted GCS starts it afresh.
 *
 * <p>A task's state is that of its latest event by time, except that a final one (FINISHED,
 * FAILED, CANCELLED) is never replaced by a later non-final one: the owner's final state and the
 * executor's RUNNING come from two processes whose batches arrive in any order.
 *
 * <p>Threads: owned by the {@code task-events} loop ({@link TaskEventRpcService} hops onto it);
 * no lock.
 */
final class TaskEventStore {
  /** Keys {@code --filter} may name on tasks, and the JSON fields of a task row. */
  static final Set<String> FILTER_KEYS = Set.of("task_id", "job_id", "name", "state", "node_id", "worker_id",
      "owner_worker_id", "parent_task_id", "error_type", "actor_call", "attempt");

  /** One task. Ids are kept as the ByteStrings the events carried; repeated ids (jobs, nodes, workers) are shared. */
  static final class Record {
    final ByteString taskId;
    ByteString jobId;
    String name = "";
    ByteString parentTaskId = ByteString.EMPTY;
    boolean actorCall;
    io.jray.proto.Address owner;
    ByteString workerId = ByteString.EMPTY;
    ByteString nodeId = ByteString.EMPTY;
    TaskEvent.State state = TaskEvent.State.STATE_UNKNOWN;
    long stateTimeMs = Long.MIN_VALUE;
    int attempt;
    String errorType = "";
    String errorMessage = "";
    /** (time ms << 16) | (attempt & 0xff) << 8 | state, one long per event: 8 bytes rather than an object each. */
    long[] history = new long[4];
    int events;

    Record(ByteString taskId) {
      this.taskId = taskId;
    }

    long startMs() {
      return events == 0 ? 0 : history[0] >>> 16;
    }

    long endMs() {
      return isFinal(state) ? stateTimeMs : 0;
    }
  }

  private final int capacity;
  private final LinkedHashMap<ByteString, Record> tasks = new LinkedHashMap<>();
  private final Map<ByteString, long[]> drops = new HashMap<>(); // job -> {evicted, dropped at source, not recorded}
  /** Shares the ByteStrings of job, node and worker ids and the names, repeated across many tasks. */
  private final Map<Object, Object> interned = new HashMap<>();
  private static final int MAX_INTERNED = 200_000;

  TaskEventStore(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("gcs.task-events.max must be >= 1, got " + capacity);
    }
    this.capacity = capacity;
  }

  static boolean isFinal(TaskEvent.State s) {
    return s == TaskEvent.State.FINISHED || s == TaskEvent.State.FAILED || s == TaskEvent.State.CANCELLED;
  }

  int size() {
    return tasks.size();
  }

  int capacity() {
    return capacity;
  }

  /** One batch from one core worker of {@code job}, which dropped {@code droppedAtSource} events since its last. */
  void add(ByteString job, List<TaskEvent> events, long droppedAtSource) {
    add(job, events, droppedAtSource, 0);
  }

  /** Also {@code notRecorded} tasks the worker did not record (past {@code task-events.max-rate}). */
  void add(ByteString job, List<TaskEvent> events, long droppedAtSource, long notRecorded) {
    if (droppedAtSource > 0) {
      dropsOf(intern(job))[1] += droppedAtSource;
    }
    if (notRecorded > 0) {
      dropsOf(intern(job))[2] += notRecorded;
    }
    ByteString batchJob = intern(job);
    for (TaskEvent e : events) {
      apply(batchJob, e);
    }
  }

  private void apply(ByteString batchJob, TaskEvent e) {
    Record r = tasks.get(e.getTaskId());
    if (r == null) {
      r = new Record(e.getTaskId());
      r.jobId = e.getJobId().isEmpty() ? batchJob : intern(e.getJobId());
      tasks.put(r.taskId, r);
      if (tasks.size() > capacity) {
        Iterator<Record> oldest = tasks.values().iterator();
        Record gone = oldest.next();
        oldest.remove();
        dropsOf(gone.jobId)[0]++;
      }
    }
    if (!e.getName().isEmpty()) {
      r.name = intern(e.getName());
      // the tasks of one parent share its id, and those of one owner its address
      r.parentTaskId = intern(e.getParentTaskId());
      r.actorCall = e.getActorCall();
      if (e.hasOwner()) {
        r.owner = intern(e.getOwner());
      }
    }
    if (!e.getWorkerId().isEmpty()) {
      r.workerId = intern(e.getWorkerId());
      r.nodeId = intern(e.getNodeId());
    }
    r.attempt = Math.max(r.attempt, e.getAttempt());
    if (!e.getErrorType().isEmpty()) {
      r.errorType = intern(e.getErrorType());
      r.errorMessage = e.getErrorMessage();
    }
    if (e.getUpdatesCount() == 0) {
      transition(r, e.getState(), e.getTimeMs(), e.getAttempt());
    } else {
      for (int i = 0; i < e.getUpdatesCount(); i++) {
        transition(r, e.getUpdates(i).getState(), e.getUpdates(i).getTimeMs(), e.getAttempt());
      }
    }
  }

  private static void transition(Record r, TaskEvent.State state, long timeMs, int attempt) {
    boolean later = timeMs > r.stateTimeMs || (timeMs == r.stateTimeMs && state.getNumber() > r.state.getNumber());
    if (isFinal(state) ? !isFinal(r.state) || later : !isFinal(r.state) && later) {
      r.state = state;
      r.stateTimeMs = timeMs;
    }
    if (r.events == r.history.length) {
      r.history = java.util.Arrays.copyOf(r.history, r.events * 2);
    }
    r.history[r.events++] = (timeMs << 16) | ((long) (attempt & 0xff) << 8) | state.getNumber();
  }

  private long[] dropsOf(ByteString job) {
    return drops.computeIfAbsent(job, j -> new long[3]);
  }

  @SuppressWarnings("unchecked")
  private <T> T intern(T value) {
    Object known = interned.get(value);
    if (known != null) {
      return (T) known;
    }
    if (interned.size() < MAX_INTERNED) {
      interned.put(value, value);
    }
    return value;
  }

  /** The text of a task's field, as filters compare it and the JSON rows show it. */
  static String field(Record r, String key) {
    return switch (key) {
      case "task_id" -> hex(r.taskId);
      case "job_id" -> hex(r.jobId);
      case "name" -> r.name;
      case "state" -> r.state.name();
      case "node_id" -> hex(r.nodeId);
      case "worker_id" -> hex(r.workerId);
      case "owner_worker_id" -> r.owner == null ? "" : hex(r.owner.getWorkerId());
      case "parent_task_id" -> hex(r.parentTaskId);
      case "error_type" -> r.errorType;
      case "actor_call" -> Boolean.toString(r.actorCall);
      case "attempt" -> Integer.toString(r.attempt);
      default -> null;
    };
  }

  static String hex(ByteString b) {
    StringBuilder s = new StringBuilder(b.size() * 2);
    for (int i = 0; i < b.size(); i++) {
      s.append(Character.forDigit((b.byteAt(i) >> 4) & 0xf, 16)).append(Character.forDigit(b.byteAt(i) & 0xf, 16));
    }
    return s.toString();
  }

  /**
   * The tasks matching every filter: the most recent {@code limit} (oldest first), how many match,
   * their counts by name and state, and the drops of every job.
   */
  GetTasksReply query(List<StateFilter> filters, int limit, boolean detail, boolean countsOnly) {
    StateFilter.checkKeys(filters, FILTER_KEYS, "tasks");
    GetTasksReply.Builder out = GetTasksReply.newBuilder().setStored(tasks.size()).setCapacity(capacity);
    Map<String, long[]> counts = new TreeMap<>();
    List<Record> recent = new ArrayList<>(Math.min(limit, 1024));
    long matched = 0;
    // newest first, so the limit keeps the most recent
    for (Record r : tasks.sequencedValues().reversed()) {
      if (!StateFilter.all(filters, r, TaskEventStore::field)) {
        continue;
      }
      matched++;
      counts.computeIfAbsent(r.name + '\0' + r.state.getNumber(), k -> new long[1])[0]++;
      if (!countsOnly && recent.size() < limit) {
        recent.add(r);
      }
    }
    for (int i = recent.size() - 1; i >= 0; i--) {
      out.addTasks(toInfo(recent.get(i), detail));
    }
    counts.forEach((k, n) -> {
      int cut = k.indexOf('\0');
      out.addCounts(TaskCount.newBuilder().setName(k.substring(0, cut))
          .setState(TaskEvent.State.forNumber(Integer.parseInt(k.substring(cut + 1)))).setCount(n[0]));
    });
    drops.forEach((job, d) -> out.addDrops(TaskDrops.newBuilder().setJobId(job).setEvicted(d[0])
        .setDroppedAtSource(d[1]).setTasksNotRecorded(d[2])));
    return out.setMatched(matched).build();
  }

  private static TaskInfo toInfo(Record r, boolean detail) {
    TaskInfo.Builder b = TaskInfo.newBuilder().setTaskId(r.taskId).setJobId(r.jobId).setName(r.name)
        .setState(r.state).setAttempt(r.attempt).setParentTaskId(r.parentTaskId).setActorCall(r.actorCall)
        .setWorkerId(r.workerId).setNodeId(r.nodeId).setErrorType(r.errorType).setErrorMessage(r.errorMessage)
        .setStartTimeMs(r.startMs()).setEndTimeMs(r.endMs());
    if (r.owner != null) {
      b.setOwner(r.owner);
    }
    if (detail) {
      for (int i = 0; i < r.events; i++) {
        long h = r.history[i];
        b.addHistory(io.jray.proto.TaskStateTime.newBuilder().setTimeMs(h >>> 16).setAttempt((int) ((h >> 8) & 0xff))
            .setState(TaskEvent.State.forNumber((int) (h & 0xff))));
      }
    }
    return b.build();
  }
}
