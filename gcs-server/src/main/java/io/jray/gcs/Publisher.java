package io.jray.gcs;

import io.grpc.stub.ServerCallStreamObserver;
import io.jray.proto.PubMessage;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Node and job changes to every subscriber (raylets, drivers, the CLI), in the order GCS applied
 * them. Lives on the GCS loop: {@code onNext} of a stream is not thread-safe, one thread makes it so.
 */
final class Publisher {
  private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);
  private final List<ServerCallStreamObserver<PubMessage>> subscribers = new ArrayList<>();

  void add(ServerCallStreamObserver<PubMessage> s, List<PubMessage> snapshot) {
    for (PubMessage m : snapshot) {
      s.onNext(m);
    }
    subscribers.add(s);
  }

  void remove(ServerCallStreamObserver<PubMessage> s) {
    subscribers.remove(s);
  }

  void publish(PubMessage m) {
    for (var it = subscribers.iterator(); it.hasNext(); ) {
      ServerCallStreamObserver<PubMessage> s = it.next();
      if (s.isCancelled()) {
        it.remove();
        continue;
      }
      try {
        s.onNext(m);
      } catch (RuntimeException e) {
        LOG.debug("dropping subscriber: {}", e.toString());
        it.remove();
      }
    }
  }

  int count() {
    return subscribers.size();
  }
}
