package io.jray.runtime;

import io.grpc.stub.StreamObserver;
import io.jray.proto.Address;
import io.jray.proto.PushTaskRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one stream of a caller to one incarnation of an actor: batches of calls out, results back.
 * Its writes are serialized by its own lock (a gRPC stream takes one writer at a time), which
 * guards nothing else; opened once, right after the {@link ActorQueue} decided to.
 */
final class ActorStream {
  private static final Logger LOG = LoggerFactory.getLogger(ActorStream.class);
  final Address worker;
  final int incarnation;
  private final Object writeLock = new Object();
  private StreamObserver<PushTaskRequest> out; // guarded by writeLock
  private boolean closed; // guarded by writeLock
  /** Batches decided before the stream was open (another thread may send first): sent by open. */
  private java.util.List<PushTaskRequest> early; // guarded by writeLock

  ActorStream(Address worker, int incarnation) {
    this.worker = worker;
    this.incarnation = incarnation;
  }

  void open(StreamObserver<PushTaskRequest> s) {
    synchronized (writeLock) {
      out = s;
      if (early != null) {
        early.forEach(this::write);
        early = null;
      }
      if (closed) {
        s.onCompleted();
      }
    }
  }

  void send(PushTaskRequest batch) {
    synchronized (writeLock) {
      if (closed) {
        return;
      }
      if (out == null) {
        if (early == null) {
          early = new java.util.ArrayList<>();
        }
        early.add(batch);
        return;
      }
      write(batch);
    }
  }

  private void write(PushTaskRequest batch) {
    try {
      out.onNext(batch);
    } catch (RuntimeException e) {
      LOG.debug("push to actor worker {}:{} failed: {}", worker.getHost(), worker.getPort(), e.toString());
    }
  }

  void close() {
    synchronized (writeLock) {
      if (closed) {
        return;
      }
      closed = true;
      if (out != null) {
        try {
          out.onCompleted();
        } catch (RuntimeException ignored) {
          // already broken
        }
      }
    }
  }
}
