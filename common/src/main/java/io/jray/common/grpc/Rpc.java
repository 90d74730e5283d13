package io.jray.common.grpc;

import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.jray.common.config.JRayConfig;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * How every JRay process makes its gRPC servers and channels: the token check on servers, the
 * token on channels, TLS when {@link TlsConfig} names files, and the message-size cap.
 *
 * <p>Handlers run on {@code directExecutor} by default: they never block, they only hop onto the
 * component's event loop (DESIGN §10, §11: twice the throughput of the default executor here).
 */
public final class Rpc {
  /**
   * The largest message a server or channel takes (issue 12 §3): {@code grpc.max-message-bytes},
   * and never less than an object chunk plus its framing, since chunks are the only large payloads.
   * A larger message is refused by gRPC itself with RESOURCE_EXHAUSTED before any handler sees it.
   */
  public static int maxMessageBytes() {
    long cap = JRayConfig.getLong(JRayConfig.GRPC_MAX_MESSAGE_BYTES);
    long chunk = JRayConfig.getLong(JRayConfig.OBJECT_CHUNK_BYTES) + (1 << 20);
    return (int) Math.min(Integer.MAX_VALUE, Math.max(Math.max(cap, chunk), 1 << 20));
  }

  private Rpc() {}

  public static Server startServer(String host, int port, String token, Executor executorOrNull,
      BindableService... services) throws IOException {
    NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
        .maxInboundMessageSize(maxMessageBytes())
        .permitKeepAliveTime(1, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true);
    if (executorOrNull == null) {
      b.directExecutor();
    } else {
      b.executor(executorOrNull);
    }
    TlsConfig tls = TlsConfig.fromConfig();
    if (tls.enabled()) {
      b.sslContext(TlsMaterial.of(tls).serverContext());
    }
    AuthServerInterceptor auth = new AuthServerInterceptor(token);
    for (BindableService s : services) {
      b.addService(ServerInterceptors.intercept(RequestParsing.checked(s.bindService()), auth));
    }
    return b.build().start();
  }

  /** A channel with the TLS settings of this process's configuration now ({@link TlsConfig#fromConfig}). */
  public static ManagedChannel channel(String host, int port, String token) {
    return channel(host, port, token, TlsConfig.fromConfig());
  }

  /** A channel with the given TLS settings (a client that keeps the settings it was made with). */
  public static ManagedChannel channel(String host, int port, String token, TlsConfig tls) {
    NettyChannelBuilder b = NettyChannelBuilder.forAddress(host, port);
    if (tls.enabled()) {
      b.sslContext(TlsMaterial.of(tls).clientContext());
    } else {
      b.usePlaintext();
    }
    return b.directExecutor()
        .maxInboundMessageSize(maxMessageBytes())
        .keepAliveTime(10, TimeUnit.SECONDS)
        .intercept(new AuthClientInterceptor(token))
        .build();
  }

  /** Splits "host:port"; a clear error for anything else. */
  public static InetSocketAddress parseAddress(String address) {
    if (address == null) {
      throw new IllegalArgumentException("address is missing; expected host:port, e.g. 127.0.0.1:6380");
    }
    int i = address.lastIndexOf(':');
    if (i <= 0 || i == address.length() - 1) {
      throw new IllegalArgumentException("bad address '" + address + "': expected host:port, e.g. 127.0.0.1:6380");
    }
    try {
      int port = Integer.parseInt(address.substring(i + 1));
      if (port <= 0 || port > 65535) {
        throw new NumberFormatException();
      }
      return InetSocketAddress.createUnresolved(address.substring(0, i), port);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad port in address '" + address + "'");
    }
  }
}
