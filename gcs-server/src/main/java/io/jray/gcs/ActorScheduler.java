package io.jray.gcs;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.grpc.ChannelPool;
import io.jray.proto.ActorInfo;
import io.jray.proto.Address;
import io.jray.proto.CoreWorkerServiceGrpc;
import io.jray.proto.CreateActorReply;
import io.jray.proto.CreateActorRequest;
import io.jray.proto.LeaseNotice;
import io.jray.proto.LeaseUpdate;
import io.jray.proto.NodeInfo;
import io.jray.proto.NodeManagerServiceGrpc;
import io.jray.proto.RequestWorkerLeaseRequest;
import io.jray.proto.ResourceReport;
import io.jray.proto.SchedulingStrategySpec;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Places actors (DESIGN §4 step 5): picks a node (the creator's if it fits, else one with the
 * resources free, else one that has them at all), leases a worker for the actor from that raylet
 * (following a spillback), then has the worker run the constructor. What each outcome means for
 * the actor is {@link ActorManager}'s to decide; this only reports it, tagged with the actor's
 * incarnation (its restart count) so that a late answer about an earlier attempt changes nothing.
 *
 * <p>Threads: state of {@code gcs-loop}; gRPC callbacks hop back onto it before touching anything.
 */
final class ActorScheduler {
  private static final Logger LOG = LoggerFactory.getLogger(ActorScheduler.class);
  /** After a failed lease call (a raylet that died, say) the actor is placed afresh after this. */
  static final long RETRY_MS = 1000;

  /** What became of one attempt to place and create an actor. Called on {@code gcs-loop}. */
  interface Outcome {
    void leased(ByteString actorId, int incarnation, Address worker, long pid);

    void created(ByteString actorId, int incarnation);

    void constructorFailed(ByteString actorId, int incarnation, io.jray.proto.ErrorInfo error);

    /** The leased worker died or could not be reached while the constructor ran. */
    void lost(ByteString actorId, int incarnation, String why);

    /** Not placed yet, and why (no node has the resources): shown in status and the creator's log. */
    void waiting(ByteString actorId, int incarnation, String why);
  }

  private final EventLoop loop;
  private final ChannelPool channels;
  private final NodeTable nodes;
  private final ResourceView resources;
  private final Address self;
  private final Function<ByteString, ActorInfo> current;
  private Outcome outcome;
  /** Lease calls in flight, by actor: cancelled when the actor dies first. */
  private final Map<ByteString, ClientCallStreamObserver<RequestWorkerLeaseRequest>> leasing = new HashMap<>();

  ActorScheduler(EventLoop loop, ChannelPool channels, NodeTable nodes, ResourceView resources, Address self,
      Function<ByteString, ActorInfo> current) {
    this.loop = loop;
    this.channels = channels;
    this.nodes = nodes;
    this.resources = resources;
    this.self = self;
    this.current = current;
  }

  void outcome(Outcome o) {
    this.outcome = o;
  }

  /** Starts placing {@code a} (PENDING_CREATION or RESTARTING). */
  void schedule(ActorInfo a) {
    assert loop.inLoop();
    Optional<NodeInfo> node = choose(a);
    if (node.isEmpty()) {
      outcome.waiting(a.getActorId(), a.getNumRestarts(), "no node is alive");
      retryLater(a);
      return;
    }
    NodeInfo n = node.get();
    request(a, Address.newBuilder().setHost(n.getHost()).setPort(n.getRayletPort()).setNodeId(n.getNodeId()).build(),
        false);
  }

  /** The actor died or was killed: a lease still being asked for is withdrawn. */
  void cancel(ByteString actorId) {
    assert loop.inLoop();
    ClientCallStreamObserver<RequestWorkerLeaseRequest> call = leasing.remove(actorId);
    if (call != null) {
      call.cancel("the actor died before it was placed", null);
    }
  }

  private void retryLater(ActorInfo a) {
    int incarnation = a.getNumRestarts();
    loop.schedule(() -> {
      ActorInfo now = current.apply(a.getActorId());
      if (now != null && now.getNumRestarts() == incarnation && beingCreated(now) && !now.hasAddress()
          && !leasing.containsKey(now.getActorId())) {
        schedule(now);
      }
    }, RETRY_MS);
  }

  static boolean beingCreated(ActorInfo a) {
    return a.getState() == ActorInfo.State.PENDING_CREATION || a.getState() == ActorInfo.State.RESTARTING;
  }

  static Map<String, Double> placementOf(ActorInfo a) {
    Map<String, Double> p = new HashMap<>(a.getPlacementResourcesMap());
    a.getResourcesMap().forEach((k, v) -> p.merge(k, v, Math::max));
    return p;
  }

  private static boolean fits(Map<String, Double> need, Map<String, Double> have) {
    for (var e : need.entrySet()) {
      if (e.getValue() > 0 && have.getOrDefault(e.getKey(), 0.0) < e.getValue() - 1e-9) {
        return false;
      }
    }
    return true;
  }

  /** The creator's node if it fits now, else the freest node that fits now, else one that fits at all. */
  private Optional<NodeInfo> choose(ActorInfo a) {
    Map<String, Double> need = placementOf(a);
    List<NodeInfo> alive = nodes.alive();
    if (alive.isEmpty()) {
      return Optional.empty();
    }
    Map<ByteString, ResourceReport> reports = new HashMap<>();
    for (ResourceReport r : resources.all()) {
      reports.put(r.getNodeId(), r);
    }
    Function<NodeInfo, Map<String, Double>> available = n -> {
      ResourceReport r = reports.get(n.getNodeId());
      return r == null ? n.getTotalResourcesMap() : r.getAvailableMap();
    };
    ByteString ownerNode = a.getOwner().getNodeId();
    for (NodeInfo n : alive) {
      if (n.getNodeId().equals(ownerNode) && fits(need, n.getTotalResourcesMap()) && fits(need, available.apply(n))) {
        return Optional.of(n);
      }
    }
    Optional<NodeInfo> free = alive.stream().filter(n -> fits(need, n.getTotalResourcesMap()) && fits(need,
        available.apply(n))).max(Comparator.comparingDouble(n -> available.apply(n).getOrDefault("CPU", 0.0)));
    if (free.isPresent()) {
      return free;
    }
    Optional<NodeInfo> feasible = alive.stream().filter(n -> fits(need, n.getTotalResourcesMap())).findFirst();
    if (feasible.isPresent()) {
      return feasible;
    }
    // Nothing fits: the raylet queues it as infeasible and sends it on when a fitting node joins.
    return alive.stream().filter(n -> n.getNodeId().equals(ownerNode)).findFirst().or(() -> Optional.of(alive.get(0)));
  }

  private void request(ActorInfo a, Address raylet, boolean grantOrReject) {
    ByteString id = a.getActorId();
    int incarnation = a.getNumRestarts();
    RequestWorkerLeaseRequest req = RequestWorkerLeaseRequest.newBuilder().setJobId(a.getJobId())
        .putAllResources(a.getResourcesMap()).putAllPlacementResources(placementOf(a))
        .setFunction(a.getCreation().getFunction()).setOwner(self)
        .setStrategy(SchedulingStrategySpec.getDefaultInstance()).setGrantOrReject(grantOrReject)
        .setActorId(id).addAllJvmOptions(a.getJvmOptionsList()).setDetached(a.getDetached()).build();
    NodeManagerServiceGrpc.newStub(channels.get(raylet)).requestWorkerLease(req,
        new ClientResponseObserver<RequestWorkerLeaseRequest, LeaseUpdate>() {
          private ClientCallStreamObserver<RequestWorkerLeaseRequest> call;
          private boolean answered;

          @Override
          public void beforeStart(ClientCallStreamObserver<RequestWorkerLeaseRequest> s) {
            call = s;
            loop.execute(() -> leasing.put(id, s));
          }

          @Override
          public void onNext(LeaseUpdate u) {
            if (u.hasGrant()) {
              answered = true;
            } else if (u.hasSpillback() || u.hasRejected()) {
              answered = true;
            }
            loop.execute(() -> {
              if (leasing.get(id) != call) {
                return; // cancelled meanwhile (a grant then goes back when the worker is told to exit)
              }
              if (u.hasGrant()) {
                leasing.remove(id);
                Address worker = u.getGrant().getWorker();
                outcome.leased(id, incarnation, worker, u.getGrant().getPid());
                create(id, incarnation, worker);
              } else if (u.hasSpillback()) {
                leasing.remove(id);
                request(a, u.getSpillback(), true);
              } else if (u.hasRejected()) {
                leasing.remove(id);
                LOG.info("actor {}: lease rejected after spillback ({}); placing it again", hex(id), u.getRejected());
                retryLater(a);
              } else if (u.getNotice().getKind() == LeaseNotice.Kind.INFEASIBLE) {
                outcome.waiting(id, incarnation, u.getNotice().getMessage());
              }
            });
          }

          @Override
          public void onError(Throwable t) {
            Status s = Status.fromThrowable(t);
            loop.execute(() -> {
              if (leasing.get(id) != call) {
                return;
              }
              leasing.remove(id);
              LOG.warn("actor {}: lease request to {}:{} failed ({} {}); placing it again in {} ms", hex(id),
                  raylet.getHost(), raylet.getPort(), s.getCode(), s.getDescription(), RETRY_MS);
              retryLater(a);
            });
          }

          @Override
          public void onCompleted() {
            if (!answered) {
              onError(Status.UNAVAILABLE.withDescription("the raylet ended the lease request without a grant")
                  .asRuntimeException());
            }
          }
        });
  }

  private void create(ByteString id, int incarnation, Address worker) {
    ActorInfo a = current.apply(id);
    CreateActorRequest req = CreateActorRequest.newBuilder().setCreation(a.getCreation())
        .setMaxConcurrency(Math.max(1, a.getMaxConcurrency())).setWasRestarted(incarnation > 0)
        .setIncarnation(incarnation).build();
    CoreWorkerServiceGrpc.newStub(channels.get(worker)).createActor(req, new StreamObserver<>() {
      @Override
      public void onNext(CreateActorReply r) {
        loop.execute(() -> {
          if (r.hasError()) {
            outcome.constructorFailed(id, incarnation, r.getError());
          } else {
            outcome.created(id, incarnation);
          }
        });
      }

      @Override
      public void onError(Throwable t) {
        Status s = Status.fromThrowable(t);
        loop.execute(() -> outcome.lost(id, incarnation, "its worker failed while the constructor ran: "
            + s.getCode() + (s.getDescription() == null ? "" : " " + s.getDescription())));
      }

      @Override
      public void onCompleted() {}
    });
  }

  static String hex(ByteString id) {
    return java.util.HexFormat.of().formatHex(id.toByteArray());
  }
}
