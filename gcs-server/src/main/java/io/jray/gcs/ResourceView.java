package io.jray.gcs;

import com.google.protobuf.ByteString;
import io.jray.proto.PubMessage;
import io.jray.proto.ResourceReport;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster resource view: each alive node's latest report of total and available resources
 * and queued demand, forwarded to every subscriber so raylets can choose where work goes. Soft
 * state (rebuilt from the next reports after a GCS restart), so it is not stored. State of the
 * GCS loop.
 */
final class ResourceView {
  private final Publisher publisher;
  private final Map<ByteString, ResourceReport> reports = new LinkedHashMap<>();

  ResourceView(Publisher publisher) {
    this.publisher = publisher;
  }

  void report(ResourceReport r) {
    ResourceReport stamped = r.toBuilder().setTimeMs(System.currentTimeMillis()).build();
    reports.put(r.getNodeId(), stamped);
    publisher.publish(PubMessage.newBuilder().setResources(stamped).build());
  }

  void nodeDead(ByteString nodeId) {
    reports.remove(nodeId);
  }

  List<ResourceReport> all() {
    return List.copyOf(reports.values());
  }
}
