package io.jray.runtime;

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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the tasks pushed to this worker (DESIGN §4 step 3): reads their arguments, calls the
 * method, stores or inlines the result and hands the refs it contains to the caller. One at a
 * time, in arrival order; results of tasks that ran back to back go out in one reply.
 *
 * <p>Threads: one platform thread, {@code task-executor}, owns the queue's consumer side and every
 * {@link ResultSink}'s pending list; user code may block, so it never runs on a gRPC or loop
 * thread. gRPC threads only enqueue (the queue is bounded by what owners push: at most
 * {@code push.pipeline-depth} tasks per lease). A sink's stream is written under the stream's
 * monitor, which the gRPC thread that completes the stream takes too.
 */
final class TaskReceiver {
  private static final Logger LOG = LoggerFactory.getLogger(TaskReceiver.class);

  /** Results waiting to go back on one push stream; touched only by the executor thread. */
  static final class ResultSink {
    private final StreamObserver<PushTaskReply> out;
    private final List<TaskResult> pending = new ArrayList<>();
    volatile boolean closed;

    ResultSink(StreamObserver<PushTaskReply> out) {
      this.out = out;
    }

    void add(TaskResult r) {
      pending.add(r);
    }

    void flush() {
      if (pending.isEmpty()) {
        return;
      }
      PushTaskReply reply = PushTaskReply.newBuilder().addAllResults(pending).build();
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

  private record Work(TaskSpec spec, ResultSink sink) {}

  private final LinkedBlockingQueue<Work> queue = new LinkedBlockingQueue<>();
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
      CountDownLatch registered, Runnable wentIdle) {
    this.workerId = ProtoIds.bytes(worker);
    this.reader = reader;
    this.refs = refs;
    this.stored = stored;
    this.current = current;
    this.registered = registered;
    this.wentIdle = wentIdle;
    Thread t = new Thread(this::run, "task-executor");
    t.setDaemon(true);
    t.start();
  }

  /** No task is running or waiting. */
  boolean idle() {
    return !running && queue.isEmpty();
  }

  void enqueue(List<TaskSpec> specs, ResultSink sink) {
    for (TaskSpec s : specs) {
      queue.add(new Work(s, sink));
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
      w.sink.add(execute(w.spec));
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
    current.enter(taskId);
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
    } finally {
      current.exit();
    }
  }

}
