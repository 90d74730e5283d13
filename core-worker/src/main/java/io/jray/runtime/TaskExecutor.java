package io.jray.runtime;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.jray.api.TaskId;
import io.jray.common.serialization.ObjectCodec;
import io.jray.proto.ErrorInfo;
import io.jray.proto.PushTaskReply;
import io.jray.proto.TaskArg;
import io.jray.proto.TaskResult;
import io.jray.proto.TaskSpec;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the tasks pushed to this worker, one at a time, in arrival order, on one platform thread
 * ({@code task-executor}): user code may block, so it never runs on a gRPC or loop thread.
 * Results of tasks that ran back to back go out in one reply.
 */
final class TaskExecutor {
  private static final Logger LOG = LoggerFactory.getLogger(TaskExecutor.class);

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
  private final CoreWorker worker;
  private final ByteString workerId;

  TaskExecutor(CoreWorker worker) {
    this.worker = worker;
    this.workerId = ByteString.copyFrom(worker.workerId().bytes());
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
      worker.awaitReady();
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
        worker.executorIdle();
      }
    }
  }

  private TaskResult execute(TaskSpec spec) {
    TaskId taskId = TaskId.fromBytes(spec.getTaskId().toByteArray());
    TaskResult.Builder r = TaskResult.newBuilder().setTaskId(spec.getTaskId()).setAttempt(spec.getAttempt())
        .setWorkerId(workerId);
    String fnName = spec.getFunction().getClassName() + "." + spec.getFunction().getMethodName();
    worker.enterTask(taskId);
    try {
      RemoteFunction fn = RemoteFunction.forDescriptor(spec.getFunction(), Thread.currentThread().getContextClassLoader());
      Object[] args = new Object[spec.getArgsCount()];
      for (int i = 0; i < args.length; i++) {
        TaskArg a = spec.getArgs(i);
        try {
          args[i] = a.hasReference() ? worker.getByReference(a.getReference())
              : worker.decoding(() -> ObjectCodec.decode(a.getInlineValue().toByteArray()));
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
        where = worker.storeIfLarge(io.jray.api.ObjectId.fromBytes(spec.getReturnObjectId().toByteArray()),
            fn.returnsVoid ? null : result, inline, contained, spec.getOwner());
      } catch (io.jray.api.exception.ObjectStoreFullException e) {
        return r.setError(RemoteErrors.of(ErrorInfo.Type.OBJECT_STORE_FULL, "the return value of " + fnName
            + " does not fit: " + e.getMessage(), fnName)).build();
      }
      // the caller borrows what the result names: registered now, since this worker's own refs
      // may go as soon as the result is sent
      java.util.List<Borrow> handoffs = contained.isEmpty() ? java.util.List.of()
          : worker.handOff(contained, spec.getOwner());
      for (int i = 0; i < contained.size(); i++) {
        ObjectRefImpl<?> ci = (ObjectRefImpl<?>) contained.get(i);
        var ref = io.jray.proto.ObjectReference.newBuilder()
            .setObjectId(ByteString.copyFrom(ci.id().bytes())).setOwner(ci.owner());
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
      worker.exitTask();
    }
  }

}
