package io.jray.runtime;

import io.jray.api.NodeId;
import io.jray.api.ObjectId;
import io.jray.api.exception.ObjectLostException;
import io.jray.common.config.JRayConfig;
import io.jray.proto.ErrorInfo;
import io.jray.proto.TaskSpec;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lost objects (DESIGN §7): an owned object whose every copy is gone runs its task again from the
 * lineage (its lost arguments first, recursively), or fails with why it cannot; a task that could
 * not fetch an argument owned here waits for it to be made again and runs once more; a borrower
 * whose copies are gone waits for the owner to make the object again.
 *
 * <p>Threads: any. The decision that one loss starts one re-execution is taken under the lost
 * entry's monitor in {@link OwnershipTable#lost}; the re-execution itself goes through the
 * {@link DependencyResolver} like any submit. Node deaths arrive on the {@code gcs-events} loop,
 * argument losses on the {@code submitter} loop's timer, read failures on the reading thread.
 */
final class ObjectRecovery implements ObjectReader.Recovery, DependencyResolver.LostObjects,
    TaskManager.ArgumentLost {
  private static final Logger LOG = LoggerFactory.getLogger(ObjectRecovery.class);
  private static final int MAX_ARGUMENT_LOSSES = 20;

  /** Where a task made again goes: the resolver, then the submitter. */
  interface Resubmit {
    void resubmit(PendingTask t, TaskSpec earlier, TaskSpec.Builder spec, List<io.jray.api.ObjectRef<?>> storedArgs);
  }

  private final OwnershipTable table;
  private final ObjectDirectory directory;
  private final ObjectFetcher fetcher;
  private final Consumer<PendingTask> register;
  private final TaskFailure failure;
  private final Resubmit resubmit;
  private final AtomicLong reexecutions = new AtomicLong();
  private final AtomicLong lastRemadeAtNanos = new AtomicLong();

  /** Fails a task for good (the {@link TaskManager}'s part). */
  interface TaskFailure {
    void fail(PendingTask t, ErrorInfo error);
  }

  ObjectRecovery(OwnershipTable table, ObjectDirectory directory, ObjectFetcher fetcher, Consumer<PendingTask> register,
      TaskFailure failure, Resubmit resubmit) {
    this.table = table;
    this.directory = directory;
    this.fetcher = fetcher;
    this.register = register;
    this.failure = failure;
    this.resubmit = resubmit;
  }

  /**
   * Every copy of the owned object {@code id} (value {@code lost}) is gone: runs its task again
   * (arguments first, if they are lost too), or fails it when it cannot be made again. Returns
   * the object's future from now on.
   */
  @Override
  public CompletableFuture<ObjectValue> recover(ObjectId id, ObjectValue lost, String why) {
    switch (table.lost(id, lost, why)) {
      case OwnershipTable.Remake m -> {
        LOG.warn("object {} is lost ({}): running {} again (re-execution {})", id, why, m.lineage().functionName(),
            m.attempt());
        reexecutions.incrementAndGet();
        table.get(id).whenComplete((v, x) -> lastRemadeAtNanos.set(System.nanoTime()));
        TaskSpec spec = m.lineage().spec();
        TaskSpec.Builder b = spec.toBuilder().clearArgs().setAttempt(spec.getAttempt() + 1000 * m.attempt());
        PendingTask t = new PendingTask(spec.getTaskId(), id, m.lineage().functionName(), spec.getParentTaskId(),
            List.of());
        register.accept(t);
        resubmit.resubmit(t, spec, b, m.lineage().storedArgs());
      }
      case OwnershipTable.Failed f -> LOG.warn("object {}: {}", id, f.error().getMessage());
      case OwnershipTable.Changed c -> { }
    }
    CompletableFuture<ObjectValue> now = table.get(id);
    return now != null ? now : CompletableFuture.completedFuture(ObjectValue.failed(RemoteErrors.of(
        ErrorInfo.Type.OBJECT_LOST, "object " + id + " was freed", "")));
  }

  /** GCS declared {@code node} dead: objects owned here that had every copy there are made again. */
  void nodeDied(NodeId node) {
    int lost = 0;
    for (Map.Entry<ObjectId, ObjectValue> e : table.stored().entrySet()) {
      if (directory.lostEverywhere(e.getKey(), e.getValue())) {
        lost++;
        recover(e.getKey(), e.getValue(), "node " + node + " died");
      }
    }
    if (lost > 0) {
      LOG.warn("node {} died with the only copies of {} objects owned here", node, lost);
    }
  }

  /**
   * A task could not fetch its argument {@code lostId}. If this process owns that argument, it is
   * made again and the task sent again once it is back (not counted against the task's retries,
   * but at most {@value #MAX_ARGUMENT_LOSSES} times); otherwise the task fails with the error.
   */
  @Override
  public void lost(PendingTask t, ObjectId lostId, ErrorInfo error) {
    if (t.cancelled()) {
      return; // cancelled while it waited: it runs no more
    }
    CompletableFuture<ObjectValue> f = directory.owns(lostId) ? table.get(lostId) : null;
    if (f == null || t.argumentLosses >= MAX_ARGUMENT_LOSSES) {
      failure.fail(t, error);
      return;
    }
    ObjectValue v = f.getNow(null);
    if (v != null && v.isStored()) {
      recover(lostId, v, "a task on another node could not fetch it");
    } // else it is being made again already: the task waits for it below
    // The same task object, still in the task table: a cancel meanwhile finds it and stops the
    // resolution (a copy registered anew could slip past a cancel that found the old one).
    t.argumentLosses++;
    resubmit.resubmit(t, t.spec, t.spec.toBuilder().clearArgs(), t.storedArgs);
  }

  /**
   * How long a borrower waits for the owner to make a lost object again: the owner starts when GCS
   * declares the dead node dead (health-check period × failure threshold, 5 s by default), so the
   * wait covers that detection with room to spare, and is bounded so that a get never hangs.
   */
  private static long lostBorrowWaitNanos() {
    long detectMs = JRayConfig.getLong(JRayConfig.HEALTH_PERIOD_MS) * JRayConfig.getLong(
        JRayConfig.HEALTH_FAILURE_THRESHOLD) + JRayConfig.getLong(JRayConfig.HEALTH_TIMEOUT_MS);
    return TimeUnit.MILLISECONDS.toNanos(Math.max(30_000, 3 * detectMs));
  }

  /**
   * Every copy of a borrowed object {@code lost} named is gone. Its owner makes it again once it
   * learns that the node died (lineage permitting), so this asks the owner again until it names
   * another value (a new location, or an error saying why not), or the wait runs out and the loss
   * is the answer.
   */
  @Override
  public CompletableFuture<ObjectValue> awaitRemadeByOwner(ObjectRefImpl<?> ref, ObjectValue lost,
      ObjectLostException e, long deadline) {
    long until = Math.min(deadline, System.nanoTime() + lostBorrowWaitNanos());
    LOG.info("object {}: no copy could be read; waiting for its owner to make it again", ref.id());
    while (true) {
      long left = until - System.nanoTime();
      if (left <= 0) {
        throw e;
      }
      ObjectValue now;
      try {
        Thread.sleep(Math.min(500, TimeUnit.NANOSECONDS.toMillis(left)));
        now = fetcher.fetch(ref).get(Math.max(1, until - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw e;
      } catch (ExecutionException | TimeoutException te) {
        throw e;
      }
      if (!now.isStored() || !now.stored().equals(lost.stored())) {
        return CompletableFuture.completedFuture(now);
      }
    }
  }

  /** How many tasks this owner ran again to remake lost objects (tests, status). */
  long reexecutions() {
    return reexecutions.get();
  }

  /** {@link System#nanoTime()} when a re-executed task's result last arrived, 0 if none did (tests). */
  long lastRemadeAtNanos() {
    return lastRemadeAtNanos.get();
  }
}
