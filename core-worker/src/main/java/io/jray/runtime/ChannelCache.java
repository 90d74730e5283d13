package io.jray.runtime;

import io.grpc.ManagedChannel;
import io.jray.common.grpc.Rpc;
import java.util.concurrent.ConcurrentHashMap;

/** One gRPC channel per peer address, shared by every call to that peer. */
final class ChannelCache implements AutoCloseable {
  private final String token;
  private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();

  ChannelCache(String token) {
    this.token = token;
  }

  ManagedChannel get(String host, int port) {
    return channels.computeIfAbsent(host + ":" + port, k -> Rpc.channel(host, port, token));
  }

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
    channels.clear();
  }
}
