package io.jray.raylet;

import io.grpc.ManagedChannel;
import io.jray.common.grpc.Rpc;
import io.jray.proto.Address;
import java.util.concurrent.ConcurrentHashMap;

/** One channel per other raylet, for object pulls. */
final class PeerChannels {
  private final String token;
  private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();

  PeerChannels(String token) {
    this.token = token;
  }

  ManagedChannel get(Address a) {
    return channels.computeIfAbsent(a.getHost() + ":" + a.getPort(), k -> Rpc.channel(a.getHost(), a.getPort(), token));
  }
}
