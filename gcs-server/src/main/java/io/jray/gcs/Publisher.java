package io.jray.gcs;

import io.grpc.stub.ServerCallStreamObserver;
import io.jray.proto.PubMessage;
import io.jray.proto.SubscribeRequest.Channel;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Changes to every subscriber (raylets, drivers, workers, the CLI) of their channel, in the order
 * GCS applied them. A subscriber names its channels so that, say, a worker that only cares about
 * deaths is not sent every raylet's resource reports. Lives on the GCS loop: {@code onNext} of a
 * stream is not thread-safe, one thread makes it so.
 */
final class Publisher {
  private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);
  private final Map<ServerCallStreamObserver<PubMessage>, Set<Channel>> subscribers = new LinkedHashMap<>();

  /** The channels a subscription asked for; none named means all of them (older subscribers). */
  static Set<Channel> channels(Collection<Channel> asked) {
    if (asked.isEmpty()) {
      return EnumSet.of(Channel.NODES, Channel.JOBS, Channel.RESOURCES, Channel.WORKER_DEATHS);
    }
    for (Channel c : asked) {
      if (c == Channel.CHANNEL_UNSPECIFIED || c == Channel.UNRECOGNIZED) {
        throw new IllegalArgumentException("unknown subscription channel " + c + ": name NODES, JOBS, RESOURCES or"
            + " WORKER_DEATHS, or none for all of them");
      }
    }
    return EnumSet.copyOf(asked);
  }

  /** The channel of a change; null for what every subscriber gets (the GCS's incarnation). */
  static Channel channelOf(PubMessage m) {
    return switch (m.getChangeCase()) {
      case GCS -> null;
      case NODE -> Channel.NODES;
      case JOB -> Channel.JOBS;
      case RESOURCES -> Channel.RESOURCES;
      case WORKER_DEATH -> Channel.WORKER_DEATHS;
      case CHANGE_NOT_SET -> throw new IllegalArgumentException("a published message must carry a change");
    };
  }

  void add(ServerCallStreamObserver<PubMessage> s, Set<Channel> channels, List<PubMessage> snapshot) {
    for (PubMessage m : snapshot) {
      Channel c = channelOf(m);
      if (c == null || channels.contains(c)) {
        s.onNext(m);
      }
    }
    subscribers.put(s, channels);
  }

  void remove(ServerCallStreamObserver<PubMessage> s) {
    subscribers.remove(s);
  }

  void publish(PubMessage m) {
    Channel channel = channelOf(m);
    for (Iterator<Map.Entry<ServerCallStreamObserver<PubMessage>, Set<Channel>>> it =
        subscribers.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<ServerCallStreamObserver<PubMessage>, Set<Channel>> e = it.next();
      ServerCallStreamObserver<PubMessage> s = e.getKey();
      if (s.isCancelled()) {
        it.remove();
        continue;
      }
      if (channel != null && !e.getValue().contains(channel)) {
        continue;
      }
      try {
        s.onNext(m);
      } catch (RuntimeException ex) {
        LOG.debug("dropping subscriber: {}", ex.toString());
        it.remove();
      }
    }
  }

  int count() {
    return subscribers.size();
  }
}
