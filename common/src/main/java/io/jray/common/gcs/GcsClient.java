package io.jray.common.gcs;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.jray.api.JobId;
import io.jray.api.NodeId;
import io.jray.common.config.JRayConfig;
import io.jray.common.grpc.Rpc;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.ActorInfo;
import io.jray.proto.AddJobRequest;
import io.jray.proto.CreateActorGcsRequest;
import io.jray.proto.GetActorReply;
import io.jray.proto.GetActorRequest;
import io.jray.proto.GetAllActorsRequest;
import io.jray.proto.GetNamedActorReply;
import io.jray.proto.GetNamedActorRequest;
import io.jray.proto.KillActorRequest;
import io.jray.proto.RegisterActorRequest;
import io.jray.proto.FindMissingPackagesRequest;
import io.jray.proto.GcsServiceGrpc;
import io.jray.proto.GetAllJobsRequest;
import io.jray.proto.GetAllNodesRequest;
import io.jray.proto.GetJobRequest;
import io.jray.proto.GetPackageChunkReply;
import io.jray.proto.GetPackageChunkRequest;
import io.jray.proto.GetWorkerDeathsRequest;
import io.jray.proto.JobInfo;
import io.jray.proto.KvDelRequest;
import io.jray.proto.KvGetReply;
import io.jray.proto.KvGetRequest;
import io.jray.proto.KvPutRequest;
import io.jray.proto.MarkJobFinishedRequest;
import io.jray.proto.NodeInfo;
import io.jray.proto.PubMessage;
import io.jray.proto.RegisterNodeRequest;
import io.jray.proto.ReportResourcesReply;
import io.jray.proto.ResourceReport;
import io.jray.proto.SubscribeRequest;
import io.jray.proto.UnregisterNodeRequest;
import io.jray.proto.WorkerDeath;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection to GCS with one typed method per call. Each call rides out an outage the same way
 * ({@link GcsRetry}: UNAVAILABLE retried with backoff for up to {@code gcs.reconnect-timeout-ms},
 * then {@link GcsUnavailableException}); any other status GCS answers with is thrown at once as
 * the {@link StatusRuntimeException} it is. The subscription re-subscribes after GCS restarts.
 *
 * <p>Each attempt has a deadline of 10 s ({@link #withCallTimeout} changes it); a view made by
 * {@code with...} shares this client's channel, and closing any of them closes it for all.
 *
 * <p>Threads: thread-safe. Calls block the calling thread (sleeping between retries), so they are
 * made from virtual threads or user threads, never from a component's loop. Subscription
 * callbacks run on the executor the subscriber gives.
 */
public final class GcsClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GcsClient.class);
  /** Every chunk of a package upload but the last carries exactly this much (GCS checks it). */
  public static final int PACKAGE_CHUNK_BYTES = 1 << 20;
  private static final long CALL_TIMEOUT_MS = 10_000;
  /** Asking about many packages, or reading a large chunk from a busy GCS, may take longer. */
  private static final long PACKAGE_CALL_TIMEOUT_MS = 60_000;

  /** Where {@link #uploadPackage} reads a package from; opened again if the upload is retried. */
  @FunctionalInterface
  public interface PackageSource {
    InputStream open() throws IOException;
  }

  private final String address;
  private final ManagedChannel channel;
  private final GcsRetry retry;
  private final long callTimeoutMs;
  /** Shared by every view of the channel, so that closing one stops the others' re-subscribing. */
  private final AtomicBoolean closed;

  /** A client of the GCS at {@code address} ({@code host:port}), retrying for {@code gcs.reconnect-timeout-ms}. */
  public GcsClient(String address, String token) {
    InetSocketAddress a = Rpc.parseAddress(address);
    this.address = address;
    this.channel = Rpc.channel(a.getHostString(), a.getPort(), token);
    this.retry = new GcsRetry(address, JRayConfig.getLong(JRayConfig.GCS_RECONNECT_TIMEOUT_MS),
        channel::resetConnectBackoff);
    this.callTimeoutMs = CALL_TIMEOUT_MS;
    this.closed = new AtomicBoolean();
  }

  private GcsClient(GcsClient of, GcsRetry retry, long callTimeoutMs) {
    this.address = of.address;
    this.channel = of.channel;
    this.closed = of.closed;
    this.retry = retry;
    this.callTimeoutMs = callTimeoutMs;
  }

  public String address() {
    return address;
  }

  /**
   * The same connection, retrying an unreachable GCS for {@code timeout} instead (zero: one
   * attempt, for a caller that has a better thing to do than wait, like a probe or a shutdown).
   */
  public GcsClient withReconnectTimeout(Duration timeout) {
    return new GcsClient(this, retry.withReconnectTimeout(timeout.toMillis()), callTimeoutMs);
  }

  /** The same connection, with {@code timeout} as the deadline of each attempt. */
  public GcsClient withCallTimeout(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("a call timeout must be > 0, got " + timeout);
    }
    return new GcsClient(this, retry, timeout.toMillis());
  }

  // ---- nodes

  public void registerNode(NodeInfo node) {
    // registering an alive node again changes nothing, so a call that ran out of time (a starved
    // machine can take seconds to connect) is tried again, not given up
    idempotentWrite("RegisterNode", s -> s.registerNode(RegisterNodeRequest.newBuilder().setNode(node).build()));
  }

  public void unregisterNode(NodeId node, String reason) {
    write("UnregisterNode", s -> s.unregisterNode(UnregisterNodeRequest.newBuilder().setNodeId(ProtoIds.bytes(node))
        .setReason(reason).build()));
  }

  /** Every node GCS knows, alive and dead, in the order they first registered. */
  public List<NodeInfo> allNodes() {
    return read("GetAllNodes", s -> s.getAllNodes(GetAllNodesRequest.getDefaultInstance()).getNodesList());
  }

  // ---- jobs

  /** Registers a job (its packages must be in GCS already) and returns the id GCS gave it. */
  public JobId addJob(JobInfo job) {
    return ProtoIds.jobId(write("AddJob", s -> s.addJob(AddJobRequest.newBuilder().setJob(job).build())).getJobId());
  }

  public void markJobFinished(JobId job, String reason) {
    write("MarkJobFinished", s -> s.markJobFinished(MarkJobFinishedRequest.newBuilder().setJobId(ProtoIds.bytes(job))
        .setReason(reason).build()));
  }

  /** The job, or empty if GCS has never heard of it. */
  public Optional<JobInfo> getJob(JobId job) {
    try {
      return Optional.of(read("GetJob", s -> s.getJob(GetJobRequest.newBuilder().setJobId(ProtoIds.bytes(job)).build()))
          .getJob());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  public List<JobInfo> allJobs() {
    return read("GetAllJobs", s -> s.getAllJobs(GetAllJobsRequest.getDefaultInstance()).getJobsList());
  }

  // ---- internal KV

  /** True if the key was new; an existing key is replaced only with {@code overwrite}. */
  public boolean kvPut(String key, ByteString value, boolean overwrite) {
    return write("KvPut", s -> s.kvPut(KvPutRequest.newBuilder().setKey(key).setValue(value).setOverwrite(overwrite)
        .build())).getAdded();
  }

  public Optional<ByteString> kvGet(String key) {
    KvGetReply r = read("KvGet", s -> s.kvGet(KvGetRequest.newBuilder().setKey(key).build()));
    return r.getFound() ? Optional.of(r.getValue()) : Optional.empty();
  }

  /** True if the key was there. */
  public boolean kvDel(String key) {
    return write("KvDel", s -> s.kvDel(KvDelRequest.newBuilder().setKey(key).build())).getDeleted();
  }

  // ---- actors

  /**
   * Registers an actor before its constructor's arguments are known; a taken name throws
   * {@link IllegalArgumentException} with GCS's message.
   */
  public void registerActor(ActorInfo actor) {
    try {
      write("RegisterActor", s -> s.registerActor(RegisterActorRequest.newBuilder().setActor(actor).build()));
    } catch (StatusRuntimeException e) {
      throw alreadyExists(e);
    }
  }

  /** Has GCS place and create a registered actor, its constructor call resolved. */
  public void createActor(ActorInfo actor) {
    try {
      write("CreateActor", s -> s.createActor(CreateActorGcsRequest.newBuilder().setActor(actor).build()));
    } catch (StatusRuntimeException e) {
      throw alreadyExists(e);
    }
  }

  private static RuntimeException alreadyExists(StatusRuntimeException e) {
    if (e.getStatus().getCode() == Status.Code.ALREADY_EXISTS) {
      return new IllegalArgumentException(e.getStatus().getDescription(), e);
    }
    return e;
  }

  /** False if GCS does not know the actor. */
  public boolean killActor(KillActorRequest request) {
    try {
      write("KillActor", s -> s.killActor(request));
      return true;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }

  /** The actor as GCS knows it now, or empty. */
  public Optional<ActorInfo> getActor(ByteString actorId) {
    GetActorReply r = read("GetActor", s -> s.getActor(GetActorRequest.newBuilder().setActorId(actorId).build()));
    return r.getFound() ? Optional.of(r.getActor()) : Optional.empty();
  }

  /**
   * Asks GCS to answer once the actor leaves {@code known} (state and restart count) or after
   * {@code timeoutMs}; {@code answer} gets the reply or the error, on a gRPC thread. Not retried:
   * the caller polls again.
   */
  public void awaitActorChange(ByteString actorId, ActorInfo.State known, int knownRestarts, long timeoutMs,
      BiConsumer<GetActorReply, Throwable> answer) {
    GcsServiceGrpc.newStub(channel).withDeadlineAfter(timeoutMs + callTimeoutMs, TimeUnit.MILLISECONDS)
        .getActor(GetActorRequest.newBuilder().setActorId(actorId).setWaitForChange(true).setKnownState(known)
            .setKnownRestarts(knownRestarts).setTimeoutMs(timeoutMs).build(), new StreamObserver<>() {
              @Override
              public void onNext(GetActorReply r) {
                answer.accept(r, null);
              }

              @Override
              public void onError(Throwable t) {
                answer.accept(null, t);
              }

              @Override
              public void onCompleted() {}
            });
  }

  /** The live actor with this name, or empty. */
  public Optional<ActorInfo> getNamedActor(String name) {
    GetNamedActorReply r = read("GetNamedActor", s -> s.getNamedActor(GetNamedActorRequest.newBuilder().setName(name)
        .build()));
    return r.getFound() ? Optional.of(r.getActor()) : Optional.empty();
  }

  /** Every actor GCS knows (of one job, or all when null), dead ones included. */
  public List<ActorInfo> allActors(JobId jobOrNull) {
    GetAllActorsRequest.Builder b = GetAllActorsRequest.newBuilder();
    if (jobOrNull != null) {
      b.setJobId(ProtoIds.bytes(jobOrNull));
    }
    return read("GetAllActors", s -> s.getAllActors(b.build()).getActorsList());
  }

  // ---- resources and deaths

  /**
   * Sends a raylet's resource report without waiting; completes when GCS took it. Not retried: a
   * report is soft state, and the next one (within a period) replaces it.
   */
  public CompletableFuture<Void> reportResources(ResourceReport report) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    GcsServiceGrpc.newStub(channel).withDeadlineAfter(callTimeoutMs, TimeUnit.MILLISECONDS).reportResources(report,
        new StreamObserver<ReportResourcesReply>() {
          @Override
          public void onNext(ReportResourcesReply r) {}

          @Override
          public void onError(Throwable t) {
            done.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            done.complete(null);
          }
        });
    return done;
  }

  /** A worker or driver died; GCS stores the death, then publishes it. */
  public void reportWorkerDeath(WorkerDeath death) {
    write("ReportWorkerDeath", s -> s.reportWorkerDeath(death));
  }

  /**
   * The most recent {@code limit} (1..10000) deaths GCS stored, of that job and that node (null:
   * any), oldest first.
   */
  public List<WorkerDeath> workerDeaths(JobId jobOrNull, NodeId nodeOrNull, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be >= 1, got " + limit);
    }
    GetWorkerDeathsRequest.Builder req = GetWorkerDeathsRequest.newBuilder().setLimit(limit);
    if (jobOrNull != null) {
      req.setJobId(ProtoIds.bytes(jobOrNull));
    }
    if (nodeOrNull != null) {
      req.setNodeId(ProtoIds.bytes(nodeOrNull));
    }
    return read("GetWorkerDeaths", s -> s.getWorkerDeaths(req.build()).getDeathsList());
  }

  // ---- job code

  /** Which of these package hashes GCS does not have, in the order given. */
  public Set<String> findMissingPackages(Collection<String> sha256) {
    return new LinkedHashSet<>(read("FindMissingPackages", PACKAGE_CALL_TIMEOUT_MS, s -> s.findMissingPackages(
        FindMissingPackagesRequest.newBuilder().addAllSha256(sha256).build()).getMissingList()));
  }

  /**
   * Streams one package to GCS (read from {@code source}, opened again for each attempt); true if
   * GCS stored it, false if it had it already. GCS keeps it only if its size and SHA-256 match.
   *
   * @throws IOException if the source cannot be read
   */
  public boolean uploadPackage(String sha256, long size, PackageSource source) throws IOException {
    try {
      // content-addressed, so sending it again after a broken stream stores it at most once
      return retry.call("UploadPackage", false, () -> {
        try (InputStream in = source.open()) {
          return PackageSender.send(GcsServiceGrpc.newStub(channel), sha256, size, in);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }).getStored();
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** Chunk {@code index} of a stored package (the reply says how many chunks and bytes it has). */
  public GetPackageChunkReply packageChunk(String sha256, int index) {
    return read("GetPackageChunk", PACKAGE_CALL_TIMEOUT_MS, s -> s.getPackageChunk(GetPackageChunkRequest.newBuilder()
        .setSha256(sha256).setIndex(index).build()));
  }

  // ---- raw stub

  // ---- task events and task queries (state.proto's TaskEventService, on the same channel)

  /** One batch of task events; a core worker sends it with no reconnect wait (events are best effort). */
  public void addTaskEvents(io.jray.proto.AddTaskEventsRequest request) {
    retry.call("AddTaskEvents", false, () -> taskEvents(callTimeoutMs).addTaskEvents(request));
  }

  /** The tasks GCS has events of that match the request's filters (the most recent {@code limit}). */
  public io.jray.proto.GetTasksReply tasks(io.jray.proto.GetTasksRequest request) {
    return retry.call("GetTasks", true, () -> taskEvents(callTimeoutMs).getTasks(request));
  }

  private io.jray.proto.TaskEventServiceGrpc.TaskEventServiceBlockingStub taskEvents(long timeoutMs) {
    return io.jray.proto.TaskEventServiceGrpc.newBlockingStub(channel).withDeadlineAfter(timeoutMs,
        TimeUnit.MILLISECONDS);
  }

  /**
   * An asynchronous stub, without retries or deadline: for tests of GCS's own validation, which
   * must send what the typed methods above would never send (a malformed package upload).
   */
  public GcsServiceGrpc.GcsServiceStub async() {
    return GcsServiceGrpc.newStub(channel);
  }

  private <T> T read(String rpc, Function<GcsServiceGrpc.GcsServiceBlockingStub, T> call) {
    return read(rpc, callTimeoutMs, call);
  }

  private <T> T read(String rpc, long timeoutMs, Function<GcsServiceGrpc.GcsServiceBlockingStub, T> call) {
    return retry.call(rpc, true, () -> call.apply(stub(timeoutMs)));
  }

  /** A write that changes nothing when applied twice: retried after a deadline too, as a read is. */
  private <T> T idempotentWrite(String rpc, Function<GcsServiceGrpc.GcsServiceBlockingStub, T> call) {
    return read(rpc, call);
  }

  private <T> T write(String rpc, Function<GcsServiceGrpc.GcsServiceBlockingStub, T> call) {
    return retry.call(rpc, false, () -> call.apply(stub(callTimeoutMs)));
  }

  /** A fresh stub per attempt: a deadline counts from when the stub is made. */
  private GcsServiceGrpc.GcsServiceBlockingStub stub(long timeoutMs) {
    return GcsServiceGrpc.newBlockingStub(channel).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS);
  }

  /**
   * Delivers every published change (after a snapshot) to {@code handler} on {@code executor};
   * reconnects every second while GCS is unreachable.
   */
  public void subscribe(String subscriber, Executor executor, Consumer<PubMessage> handler,
      ScheduledExecutorService retryTimer) {
    subscribe(subscriber, List.of(), executor, handler, retryTimer);
  }

  /**
   * As {@link #subscribe(String, Executor, Consumer, ScheduledExecutorService)}, but only the
   * changes of {@code channels} (none: all), so that a process that wants deaths is not sent every
   * resource report. The subscription is asynchronous: GCS being unreachable now only delays it.
   */
  public void subscribe(String subscriber, Collection<SubscribeRequest.Channel> channels, Executor executor,
      Consumer<PubMessage> handler, ScheduledExecutorService retryTimer) {
    if (closed.get()) {
      return;
    }
    GcsServiceGrpc.newStub(channel).subscribe(SubscribeRequest.newBuilder().setSubscriber(subscriber).addAllChannels(channels).build(),
        new ClientResponseObserver<SubscribeRequest, PubMessage>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<SubscribeRequest> s) {}

          @Override
          public void onNext(PubMessage m) {
            executor.execute(() -> handler.accept(m));
          }

          @Override
          public void onError(Throwable t) {
            if (closed.get() || Status.fromThrowable(t).getCode() == Status.Code.CANCELLED) {
              return;
            }
            if (Status.fromThrowable(t).getCode() == Status.Code.INVALID_ARGUMENT) {
              // asking again would be refused again: a bug on this side, not an outage
              LOG.error("GCS {} refused subscription {}: {}", address, subscriber, Status.fromThrowable(t));
              return;
            }
            LOG.warn("GCS subscription to {} lost ({}); retrying", address, Status.fromThrowable(t).getCode());
            retryTimer.schedule(() -> subscribe(subscriber, channels, executor, handler, retryTimer), 1,
                TimeUnit.SECONDS);
          }

          @Override
          public void onCompleted() {
            if (!closed.get()) {
              retryTimer.schedule(() -> subscribe(subscriber, channels, executor, handler, retryTimer), 1,
                TimeUnit.SECONDS);
            }
          }
        });
  }

  @Override
  public void close() {
    closed.set(true);
    channel.shutdownNow();
  }
}
