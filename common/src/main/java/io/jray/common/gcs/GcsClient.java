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
import java.util.Collection;
import java.util.List;
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
    subscribe(subscriber, List.of(), executor, handler, retryTimer);
  }

  /**
   * As {@link #subscribe(String, Executor, Consumer, ScheduledExecutorService)}, but only the
   * changes of {@code channels} (none: all), so that a process that wants deaths is not sent every
   * resource report. The subscription is asynchronous: GCS being unreachable now only delays it.
   */
  public void subscribe(String subscriber, Collection<SubscribeRequest.Channel> channels, Executor executor,
      Consumer<PubMessage> handler, ScheduledExecutorService retryTimer) {
    if (closed) {
      return;
    }
    async().subscribe(SubscribeRequest.newBuilder().setSubscriber(subscriber).addAllChannels(channels).build(),
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
            if (!closed) {
              retryTimer.schedule(() -> subscribe(subscriber, channels, executor, handler, retryTimer), 1,
                TimeUnit.SECONDS);
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
