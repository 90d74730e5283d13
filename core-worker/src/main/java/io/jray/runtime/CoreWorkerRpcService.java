package io.jray.runtime;

import io.jray.proto.TaskSpec;

import io.jray.common.proto.ProtoIds;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.jray.api.ObjectId;
import io.jray.api.TaskId;
import io.jray.common.grpc.LoopCall;
import io.jray.proto.CancelPushedTask;
import io.jray.proto.CancelTaskReply;
import io.jray.proto.CancelTaskRequest;
import io.jray.proto.CoreWorkerServiceGrpc;
import io.jray.proto.ExitReply;
import io.jray.proto.ExitRequest;
import io.jray.proto.GetObjectReply;
import io.jray.proto.GetObjectRequest;
import io.jray.proto.PushTaskReply;
import io.jray.proto.PushTaskRequest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What other processes ask a core worker: run these tasks, or stop one of them (workers), give me
 * this object, where are its copies, these borrows began or ended, cancel this task (owners),
 * exit.
 *
 * <p>Threads: handlers run on gRPC's netty threads ({@code directExecutor}) and never block: a
 * pushed batch is only enqueued for {@code task-executor}; a {@code GetObject} long poll answers
 * from a callback on the object's future, on whichever thread completes it (the owner's result
 * thread, outside every monitor). Every request is checked whole before any of it applies.
 */
final class CoreWorkerRpcService extends CoreWorkerServiceGrpc.CoreWorkerServiceImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(CoreWorkerRpcService.class);
  private final CoreWorker worker;

  CoreWorkerRpcService(CoreWorker worker) {
    this.worker = worker;
  }

  @Override
  public StreamObserver<PushTaskRequest> pushTasks(StreamObserver<PushTaskReply> out) {
    TaskReceiver executor = worker.receiver();
    if (executor == null) {
      out.onError(Status.FAILED_PRECONDITION.withDescription("a driver does not execute tasks").asRuntimeException());
      return new StreamObserver<>() {
        @Override
        public void onNext(PushTaskRequest r) {}

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      };
    }
    TaskReceiver.ResultSink sink = new TaskReceiver.ResultSink(out);
    return new StreamObserver<>() {
      @Override
      public void onNext(PushTaskRequest r) {
        if (sink.closed) {
          return; // ended by an earlier bad message: nothing more of this stream applies
        }
        // checked whole before anything of the message applies; the owner's lease ends with it
        String bad = null;
        for (int i = 0; i < r.getTasksCount() && bad == null; i++) {
          String p = PushedTaskCheck.problem(r.getTasks(i));
          bad = p == null ? null : "tasks[" + i + "]." + p;
        }
        for (int i = 0; i < r.getCancelsCount() && bad == null; i++) {
          if (r.getCancels(i).getTaskId().size() != TaskId.SIZE) {
            bad = "cancels[" + i + "].task_id must be " + TaskId.SIZE + " bytes, got "
                + r.getCancels(i).getTaskId().size();
          }
        }
        if (bad == null && r.getFirstSequenceNumber() < 0) {
          bad = "first_sequence_number must be >= 0, got " + r.getFirstSequenceNumber();
        }
        if (bad != null) {
          sink.closed = true;
          synchronized (out) { // the stream's writes are serialized on it (see ResultSink)
            out.onError(Status.INVALID_ARGUMENT.withDescription(bad).asRuntimeException());
          }
          return;
        }
        if (r.getFirstSequenceNumber() == 0 && r.getTasksCount() > 0 && !r.getTasks(0).getActorId().isEmpty()) {
          // one line per caller stream: where a caller's numbering starts (again, after a restart)
          TaskSpec first = r.getTasks(0);
          LOG.info("actor {}: calls of caller {} start with task {} (attempt {})", ProtoIds.actorId(first.getActorId()),
              ProtoIds.workerId(first.getOwner().getWorkerId()), ProtoIds.taskId(first.getTaskId()),
              first.getAttempt());
        }
        executor.enqueue(r.getTasksList(), sink);
        for (CancelPushedTask c : r.getCancelsList()) {
          executor.cancel(c.getTaskId(), c.getForce(), c.getRecursive(), sink);
        }
      }

      @Override
      public void onError(Throwable t) {
        sink.closed = true;
      }

      @Override
      public void onCompleted() {
        synchronized (out) {
          try {
            out.onCompleted();
          } catch (RuntimeException ignored) {
            // the owner is gone already
          }
        }
        sink.closed = true;
      }
    };
  }

  @Override
  public void getObject(GetObjectRequest req, StreamObserver<GetObjectReply> reply) {
    if (req.getObjectId().size() != ObjectId.SIZE) {
      reply.onError(Status.INVALID_ARGUMENT.withDescription("object_id must be " + ObjectId.SIZE + " bytes, got "
          + req.getObjectId().size()).asRuntimeException());
      return;
    }
    ObjectId id = ProtoIds.objectId(req.getObjectId());
    CompletableFuture<ObjectValue> f = worker.ownedObject(id);
    if (f == null) {
      reply.onNext(GetObjectReply.newBuilder().setStatus(GetObjectReply.Status.NOT_FOUND).build());
      reply.onCompleted();
      return;
    }
    long timeoutMs = Math.max(0, Math.min(req.getTimeoutMs(), 60_000));
    f.copy().orTimeout(timeoutMs, TimeUnit.MILLISECONDS).whenComplete((v, e) -> {
      GetObjectReply.Builder b = GetObjectReply.newBuilder();
      if (e != null) {
        b.setStatus(GetObjectReply.Status.PENDING);
      } else if (v.isError()) {
        b.setStatus(GetObjectReply.Status.READY).setError(v.error());
      } else if (v.isStored()) {
        b.setStatus(GetObjectReply.Status.READY).setStored(v.stored());
      } else {
        b.setStatus(GetObjectReply.Status.READY).setValue(com.google.protobuf.ByteString.copyFrom(v.bytes()));
      }
      reply.onNext(b.build());
      reply.onCompleted();
    });
  }

  @Override
  public void addObjectLocation(io.jray.proto.AddObjectLocationRequest req,
      StreamObserver<io.jray.proto.AddObjectLocationReply> reply) {
    if (req.getObjectId().size() != ObjectId.SIZE || req.getNodeId().size() != io.jray.api.NodeId.SIZE) {
      reply.onError(Status.INVALID_ARGUMENT.withDescription("object_id must be " + ObjectId.SIZE
          + " bytes and node_id " + io.jray.api.NodeId.SIZE).asRuntimeException());
      return;
    }
    if (!worker.directory().copyAdded(ProtoIds.objectId(req.getObjectId()), ProtoIds.nodeId(req.getNodeId()))) {
      reply.onError(Status.FAILED_PRECONDITION.withDescription("node " + ProtoIds.nodeId(req.getNodeId())
          + " was declared dead by GCS: a copy there is not used").asRuntimeException());
      return;
    }
    reply.onNext(io.jray.proto.AddObjectLocationReply.getDefaultInstance());
    reply.onCompleted();
  }

  @Override
  public void getObjectLocations(io.jray.proto.GetObjectLocationsRequest req,
      StreamObserver<io.jray.proto.GetObjectLocationsReply> reply) {
    if (req.getObjectId().size() != ObjectId.SIZE) {
      reply.onError(Status.INVALID_ARGUMENT.withDescription("object_id must be " + ObjectId.SIZE + " bytes")
          .asRuntimeException());
      return;
    }
    ObjectId id = ProtoIds.objectId(req.getObjectId());
    var b = io.jray.proto.GetObjectLocationsReply.newBuilder().setFound(worker.owns(id));
    worker.locationsOf(id).forEach(n -> b.addNodeIds(ProtoIds.bytes(n)));
    reply.onNext(b.build());
    reply.onCompleted();
  }

  @Override
  public void addBorrowers(io.jray.proto.AddBorrowersRequest req,
      StreamObserver<io.jray.proto.AddBorrowersReply> reply) {
    Changes c = Changes.parse(req.getBorrowsList(), reply);
    if (c == null) {
      return;
    }
    var b = io.jray.proto.AddBorrowersReply.newBuilder();
    for (ObjectId id : worker.refs().borrowersAdded(c.ids, c.borrows)) {
      b.addUnknownObjectIds(ProtoIds.bytes(id));
    }
    reply.onNext(b.build());
    reply.onCompleted();
  }

  @Override
  public void removeBorrowers(io.jray.proto.RemoveBorrowersRequest req,
      StreamObserver<io.jray.proto.RemoveBorrowersReply> reply) {
    Changes c = Changes.parse(req.getBorrowsList(), reply);
    if (c == null) {
      return;
    }
    worker.refs().borrowersRemoved(c.ids, c.borrows);
    reply.onNext(io.jray.proto.RemoveBorrowersReply.getDefaultInstance());
    reply.onCompleted();
  }

  /** Borrow reports, checked whole before any is applied: a bad one changes nothing. */
  private record Changes(java.util.List<ObjectId> ids, java.util.List<Borrow> borrows) {
    static Changes parse(java.util.List<io.jray.proto.BorrowChange> changes, StreamObserver<?> reply) {
      java.util.List<ObjectId> ids = new java.util.ArrayList<>(changes.size());
      java.util.List<Borrow> borrows = new java.util.ArrayList<>(changes.size());
      for (int i = 0; i < changes.size(); i++) {
        io.jray.proto.BorrowChange ch = changes.get(i);
        Borrow b = Borrow.fromProtoOrNull(ch.getToken());
        if (ch.getObjectId().size() != ObjectId.SIZE || b == null) {
          reply.onError(Status.INVALID_ARGUMENT.withDescription("borrow " + i + ": object_id must be " + ObjectId.SIZE
              + " bytes and the token must name a worker and a node (" + io.jray.api.WorkerId.SIZE + " bytes each)")
              .asRuntimeException());
          return null;
        }
        ids.add(ProtoIds.objectId(ch.getObjectId()));
        borrows.add(b);
      }
      return new Changes(ids, borrows);
    }
  }

  @Override
  public void cancelTask(CancelTaskRequest req, StreamObserver<CancelTaskReply> reply) {
    LoopCall.answerHere(reply, () -> {
      LoopCall.require(req.getObjectId().size() == ObjectId.SIZE, "object_id must be " + ObjectId.SIZE
          + " bytes (a task's return object id), got " + req.getObjectId().size());
      ObjectId id = ProtoIds.objectId(req.getObjectId());
      LoopCall.require(!id.isPut(), "object_id " + id + " was made by put, not by a task: there is no task to cancel");
      CancelOutcome o = worker.cancelOwned(id, req.getForce(), req.getRecursive());
      return CancelTaskReply.newBuilder().setOutcome(o.wire).build();
    });
  }

  @Override
  public void createActor(io.jray.proto.CreateActorRequest req, StreamObserver<io.jray.proto.CreateActorReply> reply) {
    TaskReceiver executor = worker.receiver();
    io.jray.proto.TaskSpec c = req.getCreation();
    String bad = executor == null ? "a driver cannot host an actor"
        : !c.getActorCreation() ? "creation.actor_creation is not set"
        : c.getActorId().size() != io.jray.api.ActorId.SIZE ? "creation.actor_id must be " + io.jray.api.ActorId.SIZE
            + " bytes, got " + c.getActorId().size()
        : c.getTaskId().size() != io.jray.api.TaskId.SIZE ? "creation.task_id must be " + io.jray.api.TaskId.SIZE
            + " bytes"
        : c.getFunction().getClassName().isBlank() ? "creation.function names no class"
        : req.getMaxConcurrency() < 1 ? "max_concurrency must be >= 1, got " + req.getMaxConcurrency()
        : executor.actor() != null ? "this worker hosts actor " + executor.actor().id + " already" : null;
    if (bad != null) {
      reply.onError(Status.INVALID_ARGUMENT.withDescription(bad).asRuntimeException());
      return;
    }
    executor.createActor(req, reply);
  }

  @Override
  public void exit(ExitRequest req, StreamObserver<ExitReply> reply) {
    if (worker.receiver() == null) {
      // nothing asks a driver to exit: it is the user's program, and ends when the program does
      reply.onError(Status.FAILED_PRECONDITION.withDescription("a driver does not exit on request: it ends with its"
          + " program (JRay.shutdown)").asRuntimeException());
      return;
    }
    String declined = req.getIfIdle() ? worker.reasonToStay() : null;
    if (declined != null) {
      LOG.info("asked to exit ({}), staying: {}", req.getReason(), declined);
      reply.onNext(ExitReply.newBuilder().setExiting(false).setDeclinedBecause(declined).build());
      reply.onCompleted();
      return;
    }
    LOG.info("asked to exit: {}", req.getReason());
    reply.onNext(ExitReply.newBuilder().setExiting(true).build());
    reply.onCompleted();
    Thread.ofVirtual().start(() -> System.exit(0));
  }
}
