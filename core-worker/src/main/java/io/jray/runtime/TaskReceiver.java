package io.jray.runtime;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.jray.api.TaskId;
import io.jray.api.WorkerId;
import io.jray.common.proto.ProtoIds;
import io.jray.common.serialization.ObjectCodec;
import io.jray.proto.ErrorInfo;
import io.jray.proto.PushTaskReply;
import io.jray.proto.TaskArg;
import io.jray.proto.TaskResult;
import io.jray.proto.TaskSpec;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the tasks pushed to this worker (DESIGN §4 step 3): reads their arguments, calls the
 * method, stores or inlines the result and hands the refs it contains to the caller. One at a
 * time, in arrival order; results of tasks that ran back to back go out in one reply.
 *
 * <p>Cancels ({@link #cancel}) arrive on the stream that pushed the task, after it: a task that
 * has not started is skipped (answered TASK_CANCELLED); the running one is interrupted, or with
 * force this worker answers what it has finished, ends the stream and exits (its raylet stops
 * it, or it halts itself); with recursive the tasks the running one submitted are cancelled too,
 * and so is whatever it submits from then on ({@link CurrentTask#cancelled}).
 *
 * <p>Threads: one platform thread, {@code task-executor}, owns the queue's consumer side; user
 * code may block, so it never runs on a gRPC or loop thread. gRPC threads only enqueue (the queue
 * is bounded by what owners push: at most {@code push.pipeline-depth} tasks per lease) and cancel.
 * {@link #lock} guards which task runs, the cancelled marks and the interrupts, so an interrupt
 * meant for one task never reaches the next. A sink's pending results are guarded by the sink;
 * its stream is written under the stream's monitor, which the gRPC thread that completes the
 * stream takes too.
 */
final class TaskReceiver {
  private static final Logger LOG = LoggerFactory.getLogger(TaskReceiver.class);

  /** This worker cancels the tasks it submitted while running a task that was cancelled recursively. */
  interface Children {
    void cancel(ByteString parentTaskId, boolean force);
  }

  /**
   * Results waiting to go back on one push stream: added by the executor thread, sent by it, or
   * by the gRPC thread of a forced cancel that ends the stream.
   */
  static final class ResultSink {
    private final StreamObserver<PushTaskReply> out;
    @GuardedBy("this")
    private final List<TaskResult> pending = new ArrayList<>();
    volatile boolean closed;

    ResultSink(StreamObserver<PushTaskReply> out) {
      this.out = out;
    }

    synchronized void add(TaskResult r) {
      pending.add(r);
    }

    synchronized void flush() {
      if (!pending.isEmpty()) {
        send(false);
      }
    }

    /**
     * A forced cancel: what is finished goes back with {@code exiting}, and the stream ends. The
     * owner sends this stream's other tasks elsewhere (they never started) and returns the lease
     * as failed.
     */
    synchronized void endForExit() {
      send(true);
      closed = true;
      synchronized (out) {
        try {
          out.onCompleted();
        } catch (RuntimeException e) {
          LOG.debug("result stream closed: {}", e.toString());
        }
      }
    }

    @GuardedBy("this")
    private void send(boolean exiting) {
      PushTaskReply reply = PushTaskReply.newBuilder().addAllResults(pending).setExiting(exiting).build();
      pending.clear();
      if (closed) {
        return;
      }
      synchronized (out) {
        try {
          out.onNext(reply);
        } catch (RuntimeException e) {
          closed = true;
          LOG.debug("result stream closed: {}", e.toString());
        }
      }
    }
  }

  /** A pushed task; {@code cancelled} is guarded by {@link TaskReceiver#lock}. */
  private static final class Work {
    final TaskSpec spec;
    final ResultSink sink;
    boolean cancelled;

    Work(TaskSpec spec, ResultSink sink) {
      this.spec = spec;
      this.sink = sink;
    }
  }

  /** How long a worker told to exit by a forced cancel waits for its raylet to stop it before it halts. */
  private static final long FORCED_EXIT_GRACE_MS = 3_000;

  private final LinkedBlockingQueue<Work> queue = new LinkedBlockingQueue<>();
  /** Tasks pushed and not yet answered, by task id: what a cancel looks for. */
  private final ConcurrentHashMap<ByteString, Work> works = new ConcurrentHashMap<>();
  private final Object lock = new Object();
  @GuardedBy("lock")
  private Work runningWork;
  /** A forced cancel: nothing more runs or is answered here; the process is about to end. */
  @GuardedBy("lock")
  private boolean exiting;
  private final Thread executor;
  private final Children children;
  private volatile boolean running;
  private final ByteString workerId;
  private final ObjectReader reader;
  private final ReferenceCounter refs;
  private final StoredObjects stored;
  private final CurrentTask current;
  private final CountDownLatch registered;
  private final Runnable wentIdle;

  /**
   * Starts {@code task-executor}, which waits for {@code registered} first: a lease can be granted
   * a moment before the worker has read its registration reply and mapped the store.
   */
  TaskReceiver(WorkerId worker, ObjectReader reader, ReferenceCounter refs, StoredObjects stored, CurrentTask current,
      CountDownLatch registered, Runnable wentIdle, Children children) {
    this.workerId = ProtoIds.bytes(worker);
    this.reader = reader;
    this.refs = refs;
    this.stored = stored;
    this.current = current;
    this.registered = registered;
    this.wentIdle = wentIdle;
    this.children = children;
    executor = new Thread(this::run, "task-executor");
    executor.setDaemon(true);
    executor.start();
  }

  /** No task is running or waiting. */
  boolean idle() {
    return !running && queue.isEmpty();
  }

  void enqueue(List<TaskSpec> specs, ResultSink sink) {
    for (TaskSpec s : specs) {
      Work w = new Work(s, sink);
      works.put(s.getTaskId(), w);
      queue.add(w);
    }
  }

  /**
   * The owner cancelled a task it pushed on {@code from}'s stream; called on that stream's gRPC
   * thread, after every task pushed before it was enqueued. A task not found has been answered
   * already (its result is on its way): nothing to do.
   */
  void cancel(ByteString taskId, boolean force, boolean recursive, ResultSink from) {
    Work w;
    boolean runs;
    synchronized (lock) {
      w = works.get(taskId);
      if (w == null || w.sink != from || (w.cancelled && !force) || exiting) {
        return;
      }
      w.cancelled = true;
      runs = w == runningWork;
      if (runs) {
        if (recursive) {
          current.cancelled(); // what it submits from now on is cancelled at once
        }
        if (force) {
          exiting = true;
        } else {
          executor.interrupt();
        }
      }
    }
    String fnName = w.spec.getFunction().getClassName() + "." + w.spec.getFunction().getMethodName();
    LOG.info("task {} ({}) cancelled by its owner: {}", ProtoIds.taskId(taskId), fnName, !runs ? "skipped, not started"
        : force ? "forced: this worker exits" : "interrupted");
    if (runs && recursive) {
      children.cancel(taskId, force);
    }
    if (runs && force) {
      from.endForExit();
      Thread.ofVirtual().name("forced-exit").start(() -> {
        try {
          Thread.sleep(FORCED_EXIT_GRACE_MS);
        } catch (InterruptedException e) {
          // halt now
        }
        LOG.warn("exiting: task {} ({}) was cancelled with force", ProtoIds.taskId(taskId), fnName);
        Runtime.getRuntime().halt(1);
      });
    }
  }

  private void run() {
    try {
      registered.await();
    } catch (InterruptedException e) {
      return;
    }
    while (true) {
      Work w;
      try {
        w = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      running = true;
      boolean start;
      synchronized (lock) {
        start = !w.cancelled && !exiting;
        if (start) {
          runningWork = w;
          current.enter(ProtoIds.taskId(w.spec.getTaskId()));
        }
      }
      TaskResult r = start ? execute(w.spec) : notStarted(w.spec);
      boolean answer;
      synchronized (lock) {
        if (start) {
          runningWork = null;
          current.exit();
          Thread.interrupted(); // an interrupt that came as the task ended must not reach the next one
        }
        works.remove(w.spec.getTaskId(), w);
        answer = !exiting;
      }
      if (!answer) {
        running = false;
        continue; // the stream is over and the process ends
      }
      w.sink.add(r);
      Work next = queue.peek();
      if (next == null || next.sink != w.sink) {
        w.sink.flush();
      }
      running = false;
      if (next == null) {
        wentIdle.run();
      }
    }
  }

  private TaskResult execute(TaskSpec spec) {
    TaskId taskId = ProtoIds.taskId(spec.getTaskId());
    TaskResult.Builder r = TaskResult.newBuilder().setTaskId(spec.getTaskId()).setAttempt(spec.getAttempt())
        .setWorkerId(workerId);
    String fnName = spec.getFunction().getClassName() + "." + spec.getFunction().getMethodName();
    try {
      RemoteFunction fn = RemoteFunction.forDescriptor(spec.getFunction(), Thread.currentThread().getContextClassLoader());
      Object[] args = new Object[spec.getArgsCount()];
      for (int i = 0; i < args.length; i++) {
        TaskArg a = spec.getArgs(i);
        try {
          args[i] = a.hasReference() ? reader.getByReference(a.getReference())
              : refs.decoding(() -> ObjectCodec.decode(a.getInlineValue().toByteArray()));
        } catch (io.jray.api.exception.ObjectLostException e) {
          // the owner may be able to make it again and then run this task once more
          LOG.info("task {} ({}): argument {} is lost: {}", taskId, fnName, i, e.getMessage());
          return r.setError(RemoteErrors.of(ErrorInfo.Type.OBJECT_LOST, "argument " + i + " of " + fnName + ": "
              + e.getMessage(), fnName).toBuilder().setLostObjectId(a.getReference().getObjectId())).build();
        }
      }
      Object result;
      try {
        result = fn.method.invoke(null, args);
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        LOG.info("task {} ({}) threw {}", taskId, fnName, cause.toString());
        return r.setError(RemoteErrors.fromTaskThrowable(cause, fnName)).build();
      }
      byte[][] inline = new byte[1][];
      io.jray.proto.StoredLocation where;
      java.util.List<io.jray.api.ObjectRef<?>> contained = new java.util.ArrayList<>(0);
      try {
        where = stored.storeIfLarge(ProtoIds.objectId(spec.getReturnObjectId()),
            fn.returnsVoid ? null : result, inline, contained, spec.getOwner());
      } catch (io.jray.api.exception.ObjectStoreFullException e) {
        return r.setError(RemoteErrors.of(ErrorInfo.Type.OBJECT_STORE_FULL, "the return value of " + fnName
            + " does not fit: " + e.getMessage(), fnName)).build();
      }
      // the caller borrows what the result names: registered now, since this worker's own refs
      // may go as soon as the result is sent
      java.util.List<Borrow> handoffs = contained.isEmpty() ? java.util.List.of()
          : refs.handOff(contained, spec.getOwner());
      for (int i = 0; i < contained.size(); i++) {
        ObjectRefImpl<?> ci = (ObjectRefImpl<?>) contained.get(i);
        var ref = io.jray.proto.ObjectReference.newBuilder()
            .setObjectId(ProtoIds.bytes(ci.id())).setOwner(ci.owner());
        if (handoffs.get(i) != null) {
          ref.setHandoff(handoffs.get(i).toProto());
        }
        r.addContainedRefs(ref);
      }
      return where != null ? r.setStored(where).build() : r.setValue(ByteString.copyFrom(inline[0])).build();
    } catch (io.jray.api.exception.JRayException e) {
      // an argument could not be fetched: the task fails with that cause
      return r.setError(RemoteErrors.fromTaskThrowable(e, fnName)).build();
    } catch (Throwable e) {
      LOG.warn("task {} ({}) could not run: {}", taskId, fnName, e.toString());
      return r.setError(RemoteErrors.fromTaskThrowable(e, fnName)).build();
    }
  }

  /** The answer for a task cancelled before it started (its owner has recorded the cancel already). */
  private TaskResult notStarted(TaskSpec spec) {
    String fnName = spec.getFunction().getClassName() + "." + spec.getFunction().getMethodName();
    return TaskResult.newBuilder().setTaskId(spec.getTaskId()).setAttempt(spec.getAttempt()).setWorkerId(workerId)
        .setError(RemoteErrors.of(ErrorInfo.Type.TASK_CANCELLED, "task " + fnName + " was cancelled before it started",
            fnName)).build();
  }

}
