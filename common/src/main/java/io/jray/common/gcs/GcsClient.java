package io.jray.common.gcs;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.jray.common.grpc.Rpc;
import io.jray.proto.GcsServiceGrpc;
import io.jray.proto.PubMessage;
import io.jray.proto.SubscribeRequest;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection to GCS: blocking stub for control calls (all off the per-task path, each with a
 * deadline) and a subscription that re-subscribes after GCS restarts.
 */
public final class GcsClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GcsClient.class);
  private final String address;
  private final ManagedChannel channel;
  private volatile boolean closed;

  public GcsClient(String address, String token) {
    InetSocketAddress a = Rpc.parseAddress(address);
    this.address = address;
    this.channel = Rpc.channel(a.getHostString(), a.getPort(), token);
  }

  public String address() {
    return address;
  }

  /** A blocking stub with a 10 s deadline per call. */
  public GcsServiceGrpc.GcsServiceBlockingStub blocking() {
    return GcsServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  public GcsServiceGrpc.GcsServiceStub async() {
    return GcsServiceGrpc.newStub(channel);
  }

  /**
   * Delivers every published change (after a snapshot) to {@code handler} on {@code executor};
   * reconnects every second while GCS is unreachable.
   */
  public void subscribe(String subscriber, Executor executor, Consumer<PubMessage> handler,
      ScheduledExecutorService retryTimer) {
    if (closed) {
      return;
    }
    async().subscribe(SubscribeRequest.newBuilder().setSubscriber(subscriber).build(),
        new ClientResponseObserver<SubscribeRequest, PubMessage>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<SubscribeRequest> s) {}

          @Override
          public void onNext(PubMessage m) {
            executor.execute(() -> handler.accept(m));
          }

          @Override
          public void onError(Throwable t) {
            if (closed || Status.fromThrowable(t).getCode() == Status.Code.CANCELLED) {
              return;
            }
            LOG.warn("GCS subscription to {} lost ({}); retrying", address, Status.fromThrowable(t).getCode());
            retryTimer.schedule(() -> subscribe(subscriber, executor, handler, retryTimer), 1, TimeUnit.SECONDS);
          }

          @Override
          public void onCompleted() {
            if (!closed) {
              retryTimer.schedule(() -> subscribe(subscriber, executor, handler, retryTimer), 1, TimeUnit.SECONDS);
            }
          }
        });
  }

  @Override
  public void close() {
    closed = true;
    channel.shutdownNow();
  }
}
