package io.jray.runtime;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.jray.api.ActorId;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.gcs.GcsClient;
import io.jray.common.grpc.ChannelPool;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.ActorInfo;
import io.jray.proto.Address;
import io.jray.proto.CoreWorkerServiceGrpc;
import io.jray.proto.ErrorInfo;
import io.jray.proto.PushTaskReply;
import io.jray.proto.PushTaskRequest;
import io.jray.proto.TaskResult;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's calls to one actor (DESIGN §4 step 5): kept in submission order, sent in that
 * order over one stream to the actor's current worker, numbered from 0 for each incarnation of
 * the actor. A call whose arguments are not resolved yet holds back the calls behind it, so the
 * actor runs them in submission order even when their arguments resolve out of order. The actor's
 * state comes from GCS by long poll: on a restart the calls that were sent and not answered are
 * sent again (up to {@code maxTaskRetries}) ahead of the rest and renumbered from 0, so a call
 * that was answered never runs twice; when the actor is dead every call fails with its cause.
 * {@code maxPendingCalls} permits bound the calls not yet answered: {@code remote()} blocks for one.
 *
 * <p>Threads: state guarded by this object's monitor; submits come from user threads, results
 * and GCS answers on gRPC threads. As in {@link NormalTaskSubmitter}, nothing calls out under the
 * monitor ({@link Outbox}); the stream is written under its own lock by whoever decided the write.
 */
final class ActorQueue {
  private static final Logger LOG = LoggerFactory.getLogger(ActorQueue.class);
  /** How long GCS holds a state poll open before answering "no change". */
  private static final long POLL_MS = 30_000;
  private static final long POLL_RETRY_MS = 1000;

  final ActorId id;
  private final ByteString idBytes;
  private final String className;
  private final Semaphore permits;
  private final TaskManager tasks;
  private final ChannelPool channels;
  private final Supplier<GcsClient> gcs;
  private final EventLoop timers;

  @GuardedBy("this")
  private ActorInfo.State state = ActorInfo.State.DEPENDENCIES_UNREADY;
  /** The actor's restart count as last seen; -1 before GCS answered. */
  @GuardedBy("this")
  private int incarnation = -1;
  @GuardedBy("this")
  private Address address;
  @GuardedBy("this")
  private int maxTaskRetries;
  @GuardedBy("this")
  private ErrorInfo deathCause;
  /** Calls not sent yet, in submission order (resolved or not). */
  @GuardedBy("this")
  private final ArrayDeque<PendingTask> queued = new ArrayDeque<>();
  /** Calls sent on the current stream and not answered, in the order sent. */
  @GuardedBy("this")
  private final Map<ByteString, PendingTask> inflight = new LinkedHashMap<>();
  @GuardedBy("this")
  private ActorStream stream;
  /** Ids of the calls submitted here and not finished (cancelled ones until their cancel is handled). */
  @GuardedBy("this")
  private final java.util.Set<ByteString> mine = new java.util.HashSet<>();
  @GuardedBy("this")
  private long nextSequence;
  /**
   * Calls taken for the stream while earlier ones were still unanswered on it: sent in one
   * message with the next reply (or before a cancel), not one message each. Null when none.
   */
  @GuardedBy("this")
  private PushTaskRequest.Builder held;
  @GuardedBy("this")
  private int heldCount;
  /** Why GCS could not place the actor yet, as last logged. */
  @GuardedBy("this")
  private String pendingReason = "";

  /** Whether a worker is on a node GCS declared dead. */
  private final Predicate<Address> onDeadNode;

  ActorQueue(ActorId id, String className, int maxPendingCalls, TaskManager tasks, ChannelPool channels,
      Supplier<GcsClient> gcs, EventLoop timers, Predicate<Address> onDeadNode) {
    this.onDeadNode = onDeadNode;
    this.id = id;
    this.idBytes = ProtoIds.bytes(id);
    this.className = className;
    this.permits = new Semaphore(maxPendingCalls);
    this.tasks = tasks;
    this.channels = channels;
    this.gcs = gcs;
    this.timers = timers;
    poll(ActorInfo.State.DEPENDENCIES_UNREADY, -1);
  }

  /**
   * Takes a call in submission order, before its arguments are resolved; blocks while
   * {@code maxPendingCalls} calls are unanswered. The call leaves the queue when it finishes,
   * whatever the outcome.
   */
  void add(PendingTask t) {
    try {
      permits.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a free call slot to actor " + id, e);
    }
    t.onFinish = () -> finished(t);
    Outbox out = new Outbox();
    synchronized (this) {
      mine.add(t.taskId);
      if (state == ActorInfo.State.DEAD) {
        ErrorInfo cause = deathCause;
        out.add(() -> tasks.fail(t, forCall(cause, t)));
      } else {
        queued.add(t);
      }
    }
    out.run();
  }

  /** The call's arguments are resolved: it goes out once the calls before it have. */
  void resolved(PendingTask t) {
    Outbox out = new Outbox();
    synchronized (this) {
      pump(out);
    }
    out.run();
  }

  private void finished(PendingTask t) {
    permits.release();
    Outbox out = new Outbox();
    synchronized (this) {
      boolean cancelled = t.cancelled();
      if (!cancelled) {
        mine.remove(t.taskId);
      }
      if (inflight.containsKey(t.taskId)) {
        if (!cancelled) {
          inflight.remove(t.taskId); // a cancelled one stays until the cancel is sent and its answer comes
        }
      } else if (queued.remove(t)) {
        pump(out); // failed or cancelled before it was sent: the calls behind it may go now
      }
    }
    out.run();
  }

  /**
   * {@code t} was cancelled: if it was sent, the actor's worker is told on the stream (it skips
   * the call, or interrupts it on an actor running one call at a time). Returns null if this
   * queue never had it.
   */
  CancelOutcome cancel(PendingTask t, boolean recursive) {
    Outbox out = new Outbox();
    CancelOutcome outcome = null;
    synchronized (this) {
      if (inflight.get(t.taskId) == t) {
        ActorStream s = stream;
        sendHeld(out); // the call may be among them: the cancel must follow it on the stream
        if (s != null) {
          PushTaskRequest c = PushTaskRequest.newBuilder().addCancels(io.jray.proto.CancelPushedTask.newBuilder()
              .setTaskId(t.taskId).setRecursive(recursive)).build();
          out.add(() -> s.send(c));
        }
        inflight.remove(t.taskId);
        outcome = CancelOutcome.SENT_TO_WORKER;
      } else if (t.onFinish != null && mine.contains(t.taskId)) {
        outcome = CancelOutcome.REMOVED; // taken out of the queue when it finished cancelled
      }
      mine.remove(t.taskId);
    }
    out.run();
    return outcome;
  }

  /** Removes a call that was not sent yet; true if it was queued (it will never run). */
  synchronized boolean removeQueued(PendingTask t) {
    return queued.remove(t);
  }

  @GuardedBy("this")
  private void pump(Outbox out) {
    if (state != ActorInfo.State.ALIVE) {
      return;
    }
    if (stream == null) {
      connect(out);
    }
    while (!queued.isEmpty()) {
      PendingTask t = queued.peekFirst();
      if (t.state().isDone()) {
        queued.pollFirst();
        continue;
      }
      if (t.spec == null || t.state() == TaskState.PENDING_ARGS) {
        break; // its arguments hold back every call behind it
      }
      queued.pollFirst();
      inflight.put(t.taskId, t);
      tasks.running(t, address);
      if (held == null) {
        held = PushTaskRequest.newBuilder().setFirstSequenceNumber(nextSequence);
      }
      held.addTasks(t.specForAttempt());
      heldCount++;
      nextSequence++;
    }
    if (inflight.size() <= heldCount) {
      sendHeld(out); // nothing on the wire: a lone call waits for nothing
    }
  }

  /** Sends the held calls, if any, on the current stream, as one message. */
  @GuardedBy("this")
  private void sendHeld(Outbox out) {
    if (held == null) {
      return;
    }
    ActorStream s = stream;
    PushTaskRequest built = held.build();
    dropHeld();
    if (s != null) {
      out.add(() -> s.send(built));
    }
  }

  /** Forgets the held calls: the stream they were numbered for is gone, and they are in {@code inflight}. */
  @GuardedBy("this")
  private void dropHeld() {
    held = null;
    heldCount = 0;
  }

  @GuardedBy("this")
  private void connect(Outbox out) {
    ActorStream s = new ActorStream(address, incarnation);
    stream = s;
    nextSequence = 0;
    out.add(() -> s.open(CoreWorkerServiceGrpc.newStub(channels.get(s.worker)).pushTasks(
        new ClientResponseObserver<PushTaskRequest, PushTaskReply>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<PushTaskRequest> r) {}

          @Override
          public void onNext(PushTaskReply reply) {
            if (onDeadNode.test(s.worker)) {
              // GCS declared the actor's node dead (fencing): the calls stay unanswered here and
              // go to its restarted incarnation, or fail, as GCS's poll decides
              LOG.warn("results of actor {} from node {}, declared dead by GCS, not used", id,
                  ProtoIds.nodeId(s.worker.getNodeId()));
              return;
            }
            results(reply.getResultsList());
          }

          @Override
          public void onError(Throwable t) {
            disconnected(s, Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            disconnected(s, Status.UNAVAILABLE.withDescription("the actor's worker closed the stream"));
          }
        })));
  }

  private void results(List<TaskResult> results) {
    List<PendingTask> done = new ArrayList<>(results.size());
    Outbox out = new Outbox();
    synchronized (this) {
      for (TaskResult r : results) {
        done.add(inflight.remove(r.getTaskId()));
      }
      sendHeld(out); // what was held for this reply goes now, in one message
    }
    out.run();
    for (int i = 0; i < done.size(); i++) {
      PendingTask t = done.get(i);
      if (t == null) {
        tasks.onUnexpectedResult(results.get(i));
      } else if (tasks.onResult(t, results.get(i))) {
        // a retriable exception: actor calls are not retried on exceptions; fail with it instead
        tasks.fail(t, results.get(i).getError());
      }
    }
  }

  /** The stream to the actor broke: whether the actor died is GCS's to say; the poll tells. */
  private void disconnected(ActorStream s, Status why) {
    synchronized (this) {
      if (stream != s) {
        return;
      }
      stream = null;
      dropHeld();
      if (inflight.isEmpty() && queued.isEmpty()) {
        return;
      }
    }
    LOG.info("stream to actor {} ({}) broke: {} {}; waiting for GCS to say whether it died", id, className,
        why.getCode(), why.getDescription());
  }

  private void poll(ActorInfo.State known, int knownRestarts) {
    GcsClient g = gcs.get();
    if (g == null) {
      timers.schedule(() -> poll(known, knownRestarts), POLL_RETRY_MS);
      return;
    }
    g.awaitActorChange(idBytes, known, knownRestarts, POLL_MS, (reply, error) -> {
      if (error != null) {
        Status s = Status.fromThrowable(error);
        if (s.getCode() != Status.Code.DEADLINE_EXCEEDED) {
          LOG.debug("polling actor {} failed: {}; again in {} ms", id, s, POLL_RETRY_MS);
        }
        timers.schedule(() -> poll(known, knownRestarts), POLL_RETRY_MS);
        return;
      }
      if (!reply.getFound()) {
        update(ActorInfo.newBuilder().setActorId(idBytes).setState(ActorInfo.State.DEAD)
            .setNumRestarts(Math.max(0, knownRestarts)).setDeathCause(ErrorInfo.newBuilder()
                .setType(ErrorInfo.Type.ACTOR_DIED).setMessage("GCS does not know actor " + id + " (" + className + ")"))
            .build());
        return;
      }
      ActorInfo a = reply.getActor();
      update(a);
      if (a.getState() != ActorInfo.State.DEAD) {
        poll(a.getState(), a.getNumRestarts());
      }
    });
  }

  /** GCS's view of the actor changed. */
  void update(ActorInfo a) {
    Outbox out = new Outbox();
    synchronized (this) {
      if (a.getNumRestarts() < incarnation || state == ActorInfo.State.DEAD) {
        return; // stale
      }
      maxTaskRetries = a.getMaxTaskRetries();
      if (!a.getPendingReason().equals(pendingReason)) {
        pendingReason = a.getPendingReason();
        if (!pendingReason.isEmpty()) {
          String why = pendingReason;
          out.add(() -> LOG.warn("actor {} ({}) cannot be placed yet, its calls wait: {}", id, className, why));
        }
      }
      boolean restarted = incarnation >= 0 && a.getNumRestarts() > incarnation;
      if (a.getState() == ActorInfo.State.DEAD) {
        state = ActorInfo.State.DEAD;
        deathCause = a.getDeathCause();
        ErrorInfo cause = deathCause;
        List<PendingTask> all = new ArrayList<>(inflight.values());
        all.addAll(queued);
        inflight.clear();
        queued.clear();
        closeStream(out);
        for (PendingTask t : all) {
          out.add(() -> tasks.fail(t, forCall(cause, t)));
        }
        if (!all.isEmpty()) {
          LOG.warn("actor {} ({}) is dead: failing {} calls: {}", id, className, all.size(), cause.getMessage());
        }
      } else {
        if (restarted) {
          restarted(a, out);
        }
        incarnation = a.getNumRestarts();
        state = a.getState();
        if (a.getState() == ActorInfo.State.ALIVE) {
          if (stream != null && !stream.worker.equals(a.getAddress())) {
            closeStream(out);
          }
          address = a.getAddress();
          if (stream == null && !inflight.isEmpty()) {
            // reconnecting to the same incarnation (the stream broke, the actor lives): resend
            List<PendingTask> again = new ArrayList<>(inflight.values());
            inflight.clear();
            for (int i = again.size() - 1; i >= 0; i--) {
              queued.addFirst(again.get(i));
            }
          }
          pump(out);
        } else {
          closeStream(out);
        }
      }
    }
    out.run();
  }

  /** A new incarnation: calls it never answered run again while their retries last, first. */
  @GuardedBy("this")
  private void restarted(ActorInfo a, Outbox out) {
    List<PendingTask> again = new ArrayList<>(inflight.values());
    inflight.clear();
    closeStream(out);
    for (int i = again.size() - 1; i >= 0; i--) {
      PendingTask t = again.get(i);
      if (maxTaskRetries < 0 || t.attempt < maxTaskRetries) {
        t.attempt++;
        if (t.moveTo(TaskState.SUBMITTED)) {
          queued.addFirst(t);
        }
      } else {
        ErrorInfo e = ErrorInfo.newBuilder().setType(ErrorInfo.Type.ACTOR_DIED).setFunctionName(t.functionName)
            .setMessage("actor " + id + " (" + className + ") died while call " + t.functionName + " ran, and was"
                + " restarted (restart " + a.getNumRestarts() + "); the call is not retried (maxTaskRetries="
                + maxTaskRetries + ")").build();
        out.add(() -> tasks.fail(t, e));
      }
    }
    LOG.info("actor {} ({}) restarted (restart {}): {} calls sent again", id, className, a.getNumRestarts(),
        queued.stream().filter(t -> t.attempt > 0).count());
  }

  @GuardedBy("this")
  private void closeStream(Outbox out) {
    ActorStream s = stream;
    stream = null;
    dropHeld();
    if (s != null) {
      out.add(s::close);
    }
  }

  private static ErrorInfo forCall(ErrorInfo cause, PendingTask t) {
    return cause.toBuilder().setFunctionName(t.functionName).build();
  }

  synchronized ActorInfo.State state() {
    return state;
  }
}
