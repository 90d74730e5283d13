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

  /** A pushed task or actor call, or GCS's request to become an actor; {@code cancelled} is guarded by {@link TaskReceiver#lock}. */
  private static final class Work {
    final TaskSpec spec;
    final ResultSink sink;
    /** Set for GCS's request to become an actor (spec and sink are null then). */
    final Creation creation;
    boolean cancelled;

    Work(TaskSpec spec, ResultSink sink) {
      this(spec, sink, null);
    }

    Work(TaskSpec spec, ResultSink sink, Creation creation) {
      this.spec = spec;
      this.sink = sink;
      this.creation = creation;
    }
  }

  private record Creation(io.jray.proto.CreateActorRequest request,
      StreamObserver<io.jray.proto.CreateActorReply> reply) {}

  /** Thrown through user code by {@code JRay.exitActor()}; never seen outside the receiver. */
  static final class ActorExit extends Error {
    private static final long serialVersionUID = 1L;

    ActorExit() {
      super("JRay.exitActor()", null, false, false);
    }
  }

  /** The actor this worker hosts, or null: set once its constructor returned. */
  private volatile ActorHost actor;
  /** Tells GCS the actor ended itself, then ends the process; run after the exiting call's reply is out. */
  private final java.util.function.Consumer<ActorHost> actorExited;

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
      CountDownLatch registered, Runnable wentIdle, Children children,
      java.util.function.Consumer<ActorHost> actorExited) {
    this.actorExited = actorExited;
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

  /** GCS asks this (leased) worker to become an actor; answered once the constructor ran. */
  void createActor(io.jray.proto.CreateActorRequest req, StreamObserver<io.jray.proto.CreateActorReply> reply) {
    queue.add(new Work(null, null, new Creation(req, reply)));
  }

  /** The actor hosted here, or null. */
  ActorHost actor() {
    return actor;
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
      if (w.creation != null) {
        construct(w.creation);
        running = false;
        continue;
      }
      ActorHost host = actor;
      if (host != null && host.pool != null && !w.spec.getActorId().isEmpty()) {
        boolean skip;
        synchronized (lock) {
          skip = w.cancelled || exiting;
          works.remove(w.spec.getTaskId(), w); // a cancel reaches a concurrent actor's call only before this
        }
        if (skip) {
          w.sink.add(notStarted(w.spec));
          w.sink.flush();
        } else {
          dispatch(host, w);
        }
        running = false;
        continue;
      }
      boolean start;
      synchronized (lock) {
        start = !w.cancelled && !exiting;
        if (start) {
          runningWork = w;
          current.enter(ProtoIds.taskId(w.spec.getTaskId()));
        }
      }
      TaskResult r;
      try {
        r = start ? execute(w.spec) : notStarted(w.spec);
      } catch (ActorExit e) {
        synchronized (lock) {
          runningWork = null;
          current.exit();
          works.remove(w.spec.getTaskId(), w);
        }
        w.sink.add(exitResult(w.spec));
        w.sink.flush();
        actorExited.accept(host);
        return;
      }
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

  /** A call of a concurrent actor: started now on its pool, its result sent when it ends. */
  private void dispatch(ActorHost host, Work w) {
    host.pool.execute(() -> {
      TaskResult r;
      current.enter(ProtoIds.taskId(w.spec.getTaskId()));
      try {
        r = execute(w.spec);
      } catch (ActorExit e) {
        synchronized (w.sink) {
          w.sink.add(exitResult(w.spec));
          w.sink.flush();
        }
        actorExited.accept(host);
        return;
      } finally {
        current.exit();
      }
      synchronized (w.sink) {
        w.sink.add(r);
        w.sink.flush();
      }
    });
  }

  private TaskResult exitResult(TaskSpec spec) {
    String fnName = spec.getFunction().getClassName() + "." + spec.getFunction().getMethodName();
    return TaskResult.newBuilder().setTaskId(spec.getTaskId()).setAttempt(spec.getAttempt()).setWorkerId(workerId)
        .setError(RemoteErrors.of(ErrorInfo.Type.ACTOR_DIED, "actor " + ProtoIds.actorId(spec.getActorId())
            + " ended itself with JRay.exitActor() in call " + fnName, fnName)).build();
  }

  /** Runs the actor's constructor on {@code task-executor}; the worker hosts the actor from then on. */
  private void construct(Creation c) {
    TaskSpec spec = c.request.getCreation();
    io.jray.proto.CreateActorReply.Builder reply = io.jray.proto.CreateActorReply.newBuilder();
    String name = spec.getFunction().getClassName() + "." + spec.getFunction().getMethodName();
    current.enter(ProtoIds.taskId(spec.getTaskId()));
    RuntimeFailure failure = null;
    try {
      if (actor != null) {
        throw new IllegalStateException("this worker hosts actor " + actor.id + " already");
      }
      ActorConstructor ctor = ActorConstructor.forDescriptor(spec.getFunction(),
          Thread.currentThread().getContextClassLoader());
      name = ctor.displayName;
      Object[] args = arguments(spec, name);
      Object instance;
      try {
        instance = ctor.newInstance(args);
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        LOG.warn("actor {}: constructor {} threw {}", ProtoIds.actorId(spec.getActorId()), name, cause.toString());
        reply.setError(RemoteErrors.fromTaskThrowable(cause, name));
        return;
      }
      actor = new ActorHost(ProtoIds.actorId(spec.getActorId()), instance, c.request.getWasRestarted(),
          Math.max(1, c.request.getMaxConcurrency()));
      LOG.info("actor {} ({}) created{}, max concurrency {}", actor.id, instance.getClass().getName(),
          actor.wasRestarted ? " again after a failure" : "", actor.maxConcurrency);
    } catch (RuntimeFailure e) {
      // not the constructor's fault: GCS sees a failed worker, and places the actor again
      LOG.warn("actor {}: constructor {} could not run, runtime failure: {}", ProtoIds.actorId(spec.getActorId()),
          name, e.getMessage());
      failure = e;
    } catch (Throwable e) {
      LOG.warn("actor {}: constructor {} could not run: {}", ProtoIds.actorId(spec.getActorId()), name, e.toString());
      reply.setError(RemoteErrors.fromTaskThrowable(e, name));
    } finally {
      current.exit();
      try {
        if (failure != null) {
          c.reply.onError(io.grpc.Status.UNAVAILABLE.withDescription(failure.getMessage()).asRuntimeException());
        } else {
          c.reply.onNext(reply.build());
          c.reply.onCompleted();
        }
      } catch (RuntimeException e) {
        LOG.debug("GCS went away before the actor's creation was answered: {}", e.toString());
      }
    }
  }

  /** Decodes a task's or constructor's arguments; a lost stored one throws {@link LostArgument}. */
  private Object[] arguments(TaskSpec spec, String fnName) {
    Object[] args = new Object[spec.getArgsCount()];
    for (int i = 0; i < args.length; i++) {
      TaskArg a = spec.getArgs(i);
      try {
        args[i] = a.hasReference() ? reader.getByReference(a.getReference())
            : refs.decoding(() -> ObjectCodec.decode(a.getInlineValue().toByteArray()));
      } catch (io.jray.api.exception.ObjectLostException e) {
        throw new LostArgument(i, a, e);
      }
    }
    return args;
  }

  /** A stored argument could not be fetched: its owner may make it again and push the task once more. */
  private static final class LostArgument extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int index;
    final transient TaskArg arg;

    LostArgument(int index, TaskArg arg, io.jray.api.exception.ObjectLostException cause) {
      super(cause.getMessage(), cause, false, false);
      this.index = index;
      this.arg = arg;
    }
  }

  private TaskResult execute(TaskSpec spec) {
    TaskId taskId = ProtoIds.taskId(spec.getTaskId());
    TaskResult.Builder r = TaskResult.newBuilder().setTaskId(spec.getTaskId()).setAttempt(spec.getAttempt())
        .setWorkerId(workerId);
    String fnName = spec.getFunction().getClassName() + "." + spec.getFunction().getMethodName();
    try {
      java.lang.reflect.Method method;
      Object target;
      if (spec.getActorId().isEmpty()) {
        RemoteFunction fn = RemoteFunction.forDescriptor(spec.getFunction(),
            Thread.currentThread().getContextClassLoader());
        method = fn.method;
        target = null;
      } else {
        ActorHost host = actor;
        if (host == null || !ProtoIds.bytes(host.id).equals(spec.getActorId())) {
          return r.setError(RemoteErrors.of(ErrorInfo.Type.ACTOR_DIED, "worker " + ProtoIds.workerId(workerId)
              + " does not host actor " + ProtoIds.actorId(spec.getActorId()), fnName)).build();
        }
        method = ActorMethod.resolve(host.instance, spec.getFunction());
        target = host.instance;
      }
      boolean returnsVoid = method.getReturnType() == void.class;
      Object[] args;
      try {
        args = arguments(spec, fnName);
      } catch (LostArgument e) {
        // the owner may be able to make it again and then run this task once more
        LOG.info("task {} ({}): argument {} is lost: {}", taskId, fnName, e.index, e.getMessage());
        return r.setError(RemoteErrors.of(ErrorInfo.Type.OBJECT_LOST, "argument " + e.index + " of " + fnName + ": "
            + e.getMessage(), fnName).toBuilder().setLostObjectId(e.arg.getReference().getObjectId())).build();
      }
      Object result;
      try {
        result = method.invoke(target, args);
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        if (cause instanceof ActorExit exit) {
          throw exit;
        }
        if (cause instanceof RuntimeFailure f) {
          throw f; // a JRay call the task made failed for JRay's reasons: not the task's exception
        }
        LOG.info("task {} ({}) threw {}", taskId, fnName, cause.toString());
        return r.setError(RemoteErrors.fromTaskThrowable(cause, fnName)).build();
      }
      byte[][] inline = new byte[1][];
      io.jray.proto.StoredLocation where;
      java.util.List<io.jray.api.ObjectRef<?>> contained = new java.util.ArrayList<>(0);
      try {
        where = stored.storeIfLarge(ProtoIds.objectId(spec.getReturnObjectId()),
            returnsVoid ? null : result, inline, contained, spec.getOwner());
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
    } catch (ActorExit e) {
      throw e;
    } catch (RuntimeFailure | io.grpc.StatusRuntimeException e) {
      // JRay's machinery, not the task: reported so that the owner retries it as after a crash
      LOG.warn("task {} ({}): runtime failure, not the task's: {}", taskId, fnName, e.toString());
      return r.setError(RemoteErrors.of(ErrorInfo.Type.RUNTIME_FAILURE, "task " + fnName + " on worker "
          + ProtoIds.workerId(workerId) + ": " + e.getMessage(), fnName)).build();
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
