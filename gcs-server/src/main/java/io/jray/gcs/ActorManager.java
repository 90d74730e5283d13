package io.jray.gcs;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.jray.common.grpc.ChannelPool;
import io.jray.proto.ActorInfo;
import io.jray.proto.Address;
import io.jray.proto.CoreWorkerServiceGrpc;
import io.jray.proto.ErrorInfo;
import io.jray.proto.ExitReply;
import io.jray.proto.ExitRequest;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life of every actor (DESIGN §4 steps 5-6, §7): registration (the name check), creation,
 * restarts after its worker or node died (up to {@code max_restarts}), and death: a kill, an exit
 * of its own, its constructor throwing, its owner dying, its job ending, its last handle going
 * (non-detached only), or no restarts left. A dead actor's name is released and its worker told to
 * exit; its entry stays, DEAD with the cause, for {@code jray list actors}.
 *
 * <p>Threads: state of {@code gcs-loop}, like the tables it changes.
 */
final class ActorManager implements ActorScheduler.Outcome {
  private static final Logger LOG = LoggerFactory.getLogger(ActorManager.class);
  private final ActorTable table;
  private final ActorScheduler scheduler;
  private final ChannelPool channels;

  ActorManager(ActorTable table, ActorScheduler scheduler, ChannelPool channels) {
    this.table = table;
    this.scheduler = scheduler;
    this.channels = channels;
    scheduler.outcome(this);
  }

  /** Resumes what a restarted GCS had in progress: actors being created are placed again. */
  void resume() {
    for (ActorInfo a : table.all()) {
      if (ActorScheduler.beingCreated(a) && a.hasCreation()) {
        ActorInfo fresh = a.toBuilder().clearAddress().clearPid().build();
        table.put(fresh);
        scheduler.schedule(fresh);
      }
    }
  }

  ActorTable table() {
    return table;
  }

  /**
   * Registers an actor before its arguments are resolved (a named one, synchronously, so the
   * creator learns at once that its name is taken). IllegalArgumentException: the name is taken.
   */
  void register(ActorInfo a) {
    ActorInfo old = table.get(a.getActorId());
    if (old != null) {
      if (old.getOwner().equals(a.getOwner()) && old.getName().equals(a.getName())) {
        return; // the same registration again (its reply was lost): nothing changes
      }
      throw new IllegalArgumentException("actor " + describe(old) + " is registered already");
    }
    checkName(a);
    table.put(a.toBuilder().setState(ActorInfo.State.DEPENDENCIES_UNREADY)
        .setStartTimeMs(System.currentTimeMillis()).build());
    LOG.info("actor {} registered", describe(a));
  }

  private void checkName(ActorInfo a) {
    if (!a.getName().isEmpty()) {
      ActorInfo holder = table.named(a.getName());
      if (holder != null && !holder.getActorId().equals(a.getActorId())) {
        throw new IllegalArgumentException("an actor named '" + a.getName() + "' exists already (" + describe(holder)
            + ", " + holder.getState() + "): names are cluster-wide; kill it or pick another name");
      }
    }
  }

  /** The constructor's arguments are resolved: the actor is placed and created. */
  void create(ActorInfo a) {
    ActorInfo old = table.get(a.getActorId());
    if (old != null && old.getState() != ActorInfo.State.DEPENDENCIES_UNREADY) {
      if (old.getState() == ActorInfo.State.DEAD) {
        return; // killed, or its owner died, while its arguments were being resolved
      }
      throw new IllegalArgumentException("actor " + describe(old) + " is being created already");
    }
    if (old == null) {
      checkName(a);
    }
    ActorInfo p = a.toBuilder().setState(ActorInfo.State.PENDING_CREATION).setNumRestarts(0)
        .setStartTimeMs(old == null ? System.currentTimeMillis() : old.getStartTimeMs()).build();
    table.put(p);
    LOG.info("actor {} is being created", describe(p));
    scheduler.schedule(p);
  }

  @Override
  public void leased(ByteString actorId, int incarnation, Address worker, long pid) {
    ActorInfo a = current(actorId, incarnation);
    if (a == null) {
      tellToExit(worker, "the actor it was leased for died meanwhile");
      return;
    }
    table.put(a.toBuilder().setAddress(worker).setPid(pid).clearPendingReason().build());
    LOG.info("actor {}: worker {} (pid {}) on node {} runs its constructor", describe(a), hex(worker.getWorkerId()),
        pid, hex(worker.getNodeId()));
  }

  @Override
  public void created(ByteString actorId, int incarnation) {
    ActorInfo a = current(actorId, incarnation);
    if (a == null) {
      return;
    }
    table.put(a.toBuilder().setState(ActorInfo.State.ALIVE).build());
    LOG.info("actor {} is ALIVE on node {} (restarts {})", describe(a), hex(a.getAddress().getNodeId()),
        a.getNumRestarts());
  }

  @Override
  public void constructorFailed(ByteString actorId, int incarnation, ErrorInfo error) {
    ActorInfo a = current(actorId, incarnation);
    if (a == null) {
      return;
    }
    dead(a, ErrorInfo.newBuilder().setType(ErrorInfo.Type.ACTOR_DIED)
        .setMessage("the constructor of actor " + describe(a) + " threw " + error.getClassName()
            + (error.getMessage().isEmpty() ? "" : ": " + error.getMessage()) + "; the actor is dead (no restart)")
        .setCause(error).build());
  }

  @Override
  public void lost(ByteString actorId, int incarnation, String why) {
    ActorInfo a = current(actorId, incarnation);
    if (a != null) {
      failed(a, why);
    }
  }

  @Override
  public void waiting(ByteString actorId, int incarnation, String why) {
    ActorInfo a = current(actorId, incarnation);
    if (a != null && !a.getPendingReason().equals(why)) {
      LOG.warn("actor {} cannot be placed yet: {}", describe(a), why);
      table.put(a.toBuilder().setPendingReason(why).build());
    }
  }

  /** The actor if it is still being created in that incarnation (an answer about it still counts). */
  private ActorInfo current(ByteString actorId, int incarnation) {
    ActorInfo a = table.get(actorId);
    return a != null && a.getNumRestarts() == incarnation && ActorScheduler.beingCreated(a) ? a : null;
  }

  /** A worker or driver died: the actor it hosted restarts or dies; the actors it owned die. */
  void workerDied(ByteString workerId, String reason) {
    for (ActorInfo a : table.all()) {
      if (a.getState() == ActorInfo.State.DEAD) {
        continue;
      }
      if (a.hasAddress() && a.getAddress().getWorkerId().equals(workerId)) {
        failed(a, "its worker process died (" + reason + ")");
      } else if (!a.getDetached() && a.getOwner().getWorkerId().equals(workerId)) {
        dead(a, actorDied(a, "its owner (worker " + hex(workerId) + ") died: " + reason));
      }
    }
  }

  /**
   * A node's raylet resynced with a restarted GCS and named the workers alive on it: an actor that
   * GCS has on that node stays as it is if its worker is among them, else it failed meanwhile (its
   * death report may have been lost with the old GCS) and restarts or dies.
   */
  void nodeResynced(ByteString nodeId, java.util.Set<ByteString> liveWorkers) {
    for (ActorInfo a : table.all()) {
      if (a.getState() != ActorInfo.State.DEAD && a.hasAddress() && a.getAddress().getNodeId().equals(nodeId)
          && !a.getAddress().getWorkerId().isEmpty() && !liveWorkers.contains(a.getAddress().getWorkerId())) {
        failed(a, "its worker " + hex(a.getAddress().getWorkerId()) + " was gone when node " + hex(nodeId)
            + " resynced with the restarted GCS");
      }
    }
  }

  /** A node died: its actors restart elsewhere or die; actors owned by its processes die. */
  void nodeDied(ByteString nodeId, String reason) {
    for (ActorInfo a : table.all()) {
      if (a.getState() == ActorInfo.State.DEAD) {
        continue;
      }
      if (!a.getDetached() && a.getOwner().getNodeId().equals(nodeId)) {
        dead(a, actorDied(a, "the node of its owner (" + hex(nodeId) + ") died: " + reason));
      } else if (a.hasAddress() && a.getAddress().getNodeId().equals(nodeId)) {
        failed(a, "its node " + hex(nodeId) + " died (" + reason + ")");
      }
    }
  }

  /** A job ended: its non-detached actors go with it (its workers are stopped anyway). */
  void jobFinished(ByteString jobId) {
    for (ActorInfo a : table.all()) {
      if (a.getState() != ActorInfo.State.DEAD && !a.getDetached() && a.getJobId().equals(jobId)) {
        dead(a, actorDied(a, "its job " + hex(jobId) + " finished"));
      }
    }
  }

  /**
   * {@code kill()}, {@code exitActor()} or the last handle gone. Returns false if the actor is
   * unknown. A kill is final: no restart, whatever restarts are left.
   */
  boolean kill(ByteString actorId, boolean noRestart, String reason, boolean outOfScope, boolean exitingItself) {
    ActorInfo a = table.get(actorId);
    if (a == null) {
      return false;
    }
    if (a.getState() == ActorInfo.State.DEAD || outOfScope && a.getDetached()) {
      return true;
    }
    String why = exitingItself ? "it called JRay.exitActor()" : outOfScope
        ? "no handle to it remains (it went out of scope)" : reason.isBlank() ? "it was killed" : reason;
    if (!noRestart && !exitingItself && !outOfScope) {
      tellToExit(a.getAddress(), "actor " + describe(a) + " killed with restart allowed: " + why);
      failed(a, why);
      return true;
    }
    ActorInfo k = a.toBuilder().setKilled(true).build();
    if (exitingItself) {
      k = k.toBuilder().clearAddress().build(); // it exits by itself once its reply is out
    }
    dead(k, actorDied(k, why));
    return true;
  }

  /** The actor's process or node failed: a restart if allowed, else death. */
  private void failed(ActorInfo a, String why) {
    int max = a.getMaxRestarts();
    if (!a.getKilled() && (max < 0 || a.getNumRestarts() < max)) {
      scheduler.cancel(a.getActorId());
      ActorInfo r = a.toBuilder().setState(ActorInfo.State.RESTARTING).setNumRestarts(a.getNumRestarts() + 1)
          .clearAddress().clearPid().build();
      table.put(r);
      LOG.warn("actor {} failed ({}): restarting it (restart {} of {})", describe(a), why, r.getNumRestarts(),
          max < 0 ? "unlimited" : Integer.toString(max));
      scheduler.schedule(r);
      return;
    }
    dead(a, actorDied(a, why + (a.getKilled() ? "" : "; no restarts left (maxRestarts=" + max + ")")));
  }

  private ErrorInfo actorDied(ActorInfo a, String why) {
    return ErrorInfo.newBuilder().setType(ErrorInfo.Type.ACTOR_DIED).setMessage("actor " + describe(a)
        + " is dead: " + why).build();
  }

  private void dead(ActorInfo a, ErrorInfo cause) {
    scheduler.cancel(a.getActorId());
    ActorInfo d = a.toBuilder().setState(ActorInfo.State.DEAD).setDeathCause(cause)
        .setEndTimeMs(System.currentTimeMillis()).build();
    table.put(d);
    LOG.warn("actor {} DEAD: {}", describe(a), cause.getMessage());
    if (a.hasAddress()) {
      tellToExit(a.getAddress(), cause.getMessage());
    }
  }

  /** Asks an actor's worker to exit now; one that is gone already is no error. */
  private void tellToExit(Address worker, String why) {
    if (worker == null || worker.getPort() == 0) {
      return;
    }
    CoreWorkerServiceGrpc.newStub(channels.get(worker)).withDeadlineAfter(10, TimeUnit.SECONDS)
        .exit(ExitRequest.newBuilder().setReason(why).build(), new StreamObserver<ExitReply>() {
          @Override
          public void onNext(ExitReply r) {}

          @Override
          public void onError(Throwable t) {
            LOG.debug("telling worker {} to exit: {}", hex(worker.getWorkerId()), t.toString());
          }

          @Override
          public void onCompleted() {}
        });
  }

  static String describe(ActorInfo a) {
    return hex(a.getActorId()) + " (" + a.getClassName() + (a.getName().isEmpty() ? "" : ", name '"
        + a.getName() + "'") + ")";
  }

  static String hex(ByteString id) {
    return java.util.HexFormat.of().formatHex(id.toByteArray());
  }
}
