package io.jray.runtime;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.Address;
import io.jray.proto.PushTaskRequest;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker this owner holds a lease on, with the one stream that carries batches of tasks (and
 * cancels of them) to it and results back (DESIGN §4, §11).
 *
 * <p>Threads: the lease's state is guarded by the submitter's monitor. Messages are queued in the
 * order they are decided, under that monitor ({@link #queue}), and written after it is released
 * ({@link Outbox}) by whichever thread calls {@link #flush} first, in that order: a cancel decided
 * after the batch carrying its task is never written before it, though another thread may be
 * the one writing that batch. Writes are serialized by the stream's own lock (a gRPC stream takes
 * one writer at a time); it guards nothing else and nothing is taken under it.
 */
final class LeasedWorker {
  private static final Logger LOG = LoggerFactory.getLogger(LeasedWorker.class);
  final ByteString leaseId;
  final Address worker;
  final Address raylet;
  final SchedulingQueue queue;
  @GuardedBy("NormalTaskSubmitter.this")
  final Map<ByteString, PendingTask> inflight = new HashMap<>();
  @GuardedBy("NormalTaskSubmitter.this")
  long lastActiveNanos;
  @GuardedBy("NormalTaskSubmitter.this")
  boolean closed;
  /**
   * Tasks given to this worker while it still had unanswered ones on the wire: they go out in
   * one message with the next reply's flush (or sooner, before a cancel), not one message each.
   * Null when there are none.
   */
  @GuardedBy("NormalTaskSubmitter.this")
  private PushTaskRequest.Builder held;
  @GuardedBy("NormalTaskSubmitter.this")
  private int heldCount;
  /** Decided, not yet written; added to under the submitter's monitor, so in the order decided. */
  private final ConcurrentLinkedQueue<PushTaskRequest> outgoing = new ConcurrentLinkedQueue<>();
  private final Object writeLock = new Object();
  /** Set once, before the lease joins its queue. */
  private volatile StreamObserver<PushTaskRequest> stream;
  @GuardedBy("writeLock")
  private boolean streamClosed;

  LeasedWorker(ByteString leaseId, Address worker, Address raylet, SchedulingQueue queue) {
    this.leaseId = leaseId;
    this.worker = worker;
    this.raylet = raylet;
    this.queue = queue;
  }

  void open(StreamObserver<PushTaskRequest> s) {
    stream = s;
  }

  /** Queues a message for {@link #flush}; called under the submitter's monitor, which orders the queue. */
  @GuardedBy("NormalTaskSubmitter.this")
  void queue(PushTaskRequest message) {
    outgoing.add(message);
  }

  /**
   * Gives {@code spec} to this worker (it is in {@link #inflight} already). With nothing of this
   * lease on the wire it goes out at once, so a lone task waits for nothing; otherwise it is held
   * until the next reply ({@link #releaseHeld}), which batches the tasks submitted meanwhile into
   * one message: the worker is busy until then anyway. {@link #sendIfIdle} decides which.
   */
  @GuardedBy("NormalTaskSubmitter.this")
  void give(io.jray.proto.TaskSpec spec) {
    if (held == null) {
      held = PushTaskRequest.newBuilder().setLeaseId(leaseId);
    }
    held.addTasks(spec);
    heldCount++;
  }

  /** Queues the held tasks if nothing of this lease is on the wire; true if it queued a message. */
  @GuardedBy("NormalTaskSubmitter.this")
  boolean sendIfIdle() {
    return inflight.size() <= heldCount && releaseHeld(); // <=: a held task that left inflight must not stall the rest
  }

  /** Queues the held tasks, if any, as one message; true if it did. */
  @GuardedBy("NormalTaskSubmitter.this")
  boolean releaseHeld() {
    if (held == null) {
      return false;
    }
    outgoing.add(held.build());
    held = null;
    heldCount = 0;
    return true;
  }

  /** Forgets held tasks (the lease ended: they are taken from {@link #inflight} with the others). */
  @GuardedBy("NormalTaskSubmitter.this")
  void dropHeld() {
    held = null;
    heldCount = 0;
  }

  /**
   * Writes every queued message, oldest first; called without the submitter's monitor. A broken
   * stream is reported by its own onError, so this only logs.
   */
  void flush() {
    synchronized (writeLock) {
      PushTaskRequest m;
      while ((m = outgoing.poll()) != null) {
        if (streamClosed) {
          continue; // the lease is over: nothing more reaches the worker
        }
        try {
          stream.onNext(m);
        } catch (RuntimeException e) {
          LOG.debug("{}: push failed: {}", this, e.toString());
        }
      }
    }
  }

  /** Half-closes the stream: the worker finishes and the lease ends. */
  void closeStream() {
    synchronized (writeLock) {
      if (streamClosed || stream == null) {
        return;
      }
      streamClosed = true;
      try {
        stream.onCompleted();
      } catch (RuntimeException ignored) {
        // already broken: the raylet learns from the return that follows
      }
    }
  }

  @Override
  public String toString() {
    return "lease on worker " + ProtoIds.workerId(worker.getWorkerId()) + " (" + worker.getHost() + ":"
        + worker.getPort() + ")";
  }
}
