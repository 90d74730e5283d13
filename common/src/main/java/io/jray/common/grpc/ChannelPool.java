package io.jray.common.grpc;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.jray.api.NodeId;
import io.jray.api.WorkerId;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.Address;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One gRPC channel per peer address, shared by every call to that peer, for the whole process:
 * the one channel cache of the code base. Channels to a peer GCS declared dead (its node, or the
 * worker itself) are closed, so a long-lived process does not keep reconnecting to the dead; a
 * later call to that address opens a fresh channel.
 *
 * <p>Threads: any (a concurrent map). Closing a channel fails the calls still on it with
 * UNAVAILABLE, which is what a call to a dead peer gets anyway.
 */
public final class ChannelPool implements AutoCloseable {
  /** A channel and who is at the other end, when the caller said (empty bytes when not). */
  private record Peer(ManagedChannel channel, ByteString node, ByteString worker) {}

  private final String token;
  /** Fixed at construction: a driver's channels made later keep the settings it joined with. */
  private final TlsConfig tls;
  private final ConcurrentHashMap<String, Peer> peers = new ConcurrentHashMap<>();

  public ChannelPool(String token) {
    this.token = token;
    this.tls = TlsConfig.fromConfig();
  }

  /** The channel to {@code host:port}, a peer of unknown identity. */
  public ManagedChannel get(String host, int port) {
    return peers.computeIfAbsent(key(host, port),
        k -> new Peer(Rpc.channel(host, port, token, tls), ByteString.EMPTY, ByteString.EMPTY)).channel();
  }

  /** The channel to the process at {@code a}, remembering its node and worker ids (if set) to close it on their death. */
  public ManagedChannel get(Address a) {
    String k = key(a.getHost(), a.getPort());
    Peer p = peers.computeIfAbsent(k,
        x -> new Peer(Rpc.channel(a.getHost(), a.getPort(), token, tls), a.getNodeId(), a.getWorkerId()));
    if (p.node().isEmpty() && !a.getNodeId().isEmpty()) {
      // first reached by bare host:port: learn who it is now, so that its death closes it
      peers.replace(k, p, new Peer(p.channel(), a.getNodeId(), a.getWorkerId()));
    }
    return p.channel();
  }

  /** GCS declared {@code node} dead: channels to every process known to be on it are closed. Returns how many. */
  public int nodeDied(NodeId node) {
    return closeWhere(ProtoIds.bytes(node), true);
  }

  /** GCS reported {@code worker} dead: its channel, if any, is closed. */
  public int workerDied(WorkerId worker) {
    return closeWhere(ProtoIds.bytes(worker), false);
  }

  /** Closes the channel to {@code host:port}, if open (a peer known gone by other means). */
  public void forget(String host, int port) {
    Peer p = peers.remove(key(host, port));
    if (p != null) {
      p.channel().shutdownNow();
    }
  }

  /** Channels open now (tests, status). */
  public int size() {
    return peers.size();
  }

  private int closeWhere(ByteString id, boolean byNode) {
    int n = 0;
    for (Iterator<Map.Entry<String, Peer>> it = peers.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Peer> e = it.next();
      Peer p = e.getValue();
      if ((byNode ? p.node() : p.worker()).equals(id) && peers.remove(e.getKey(), p)) {
        p.channel().shutdownNow();
        n++;
      }
    }
    return n;
  }

  private static String key(String host, int port) {
    return host + ":" + port;
  }

  @Override
  public void close() {
    peers.values().forEach(p -> p.channel().shutdownNow());
    peers.clear();
  }
}
