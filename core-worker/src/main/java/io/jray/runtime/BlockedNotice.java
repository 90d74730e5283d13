package io.jray.runtime;

import com.google.common.util.concurrent.Uninterruptibles;
import io.jray.common.grpc.ChannelPool;
import io.jray.common.proto.ProtoIds;
import io.jray.api.WorkerId;
import io.jray.proto.Address;
import io.jray.proto.NodeManagerServiceGrpc;
import io.jray.proto.NotifyBlockedRequest;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the raylet when a worker running a task blocks in {@code get} or {@code wait}, and when
 * it resumes, so that the raylet lends the task's CPU to other work meanwhile (DESIGN §3: nested
 * tasks cannot deadlock a node). Nested waits count once. Nothing is sent outside a task (a
 * driver, or a worker between tasks).
 *
 * <p>Threads: the blocking thread sends (a call with a deadline, waited for before it waits and
 * after it wakes); the depth is atomic, since user code may wait on several threads. The wait for
 * the answer ignores interrupts (and keeps the thread's interrupt status): a task cancelled while
 * it blocks is woken by an interrupt, and its notice must still reach the raylet, which would
 * otherwise go on lending the worker's CPU.
 */
final class BlockedNotice {
  private static final Logger LOG = LoggerFactory.getLogger(BlockedNotice.class);
  private final ChannelPool channels;
  private final Address raylet;
  private final WorkerId worker;
  private final CurrentTask task;
  private final AtomicInteger depth = new AtomicInteger();

  BlockedNotice(ChannelPool channels, Address raylet, WorkerId worker, CurrentTask task) {
    this.channels = channels;
    this.raylet = raylet;
    this.worker = worker;
    this.task = task;
  }

  void blocked(boolean blocked) {
    if (!task.inTask()) {
      return;
    }
    int d = blocked ? depth.incrementAndGet() : depth.decrementAndGet();
    if ((blocked && d == 1) || (!blocked && d == 0)) {
      try {
        Uninterruptibles.getUninterruptibly(NodeManagerServiceGrpc.newFutureStub(channels.get(raylet))
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .notifyBlocked(NotifyBlockedRequest.newBuilder().setWorkerId(ProtoIds.bytes(worker))
                .setBlocked(blocked).build()));
      } catch (ExecutionException | RuntimeException e) {
        LOG.warn("cannot tell the raylet this worker is {}: {}", blocked ? "blocked" : "unblocked",
            (e instanceof ExecutionException ? e.getCause() : e).toString());
      }
    }
  }
}
