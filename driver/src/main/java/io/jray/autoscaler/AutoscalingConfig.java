package io.jray.autoscaler;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A checked cluster file ({@link AutoscalingConfigFile} reads it): the node types, the provider
 * that starts them, and Ray's scaling knobs. {@code maxWorkers} caps worker nodes of all types
 * together; {@code headResources} empty means the head's defaults (the machine's cores).
 */
public record AutoscalingConfig(Path file, String clusterName, ProviderConfig provider, double idleTimeoutSeconds,
    double upscalingSpeed, int maxWorkers, Map<String, Double> headResources, Map<String, NodeType> nodeTypes) {
  /** Ray's {@code idle_timeout_minutes} default, 5 minutes. */
  public static final double DEFAULT_IDLE_TIMEOUT_SECONDS = 300;
  /** Ray's default: pending launches of a type may reach as many as its running nodes. */
  public static final double DEFAULT_UPSCALING_SPEED = 1.0;

  public AutoscalingConfig {
    headResources = Map.copyOf(new LinkedHashMap<>(headResources));
    nodeTypes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(nodeTypes));
  }

  public long idleTimeoutMs() {
    return (long) (idleTimeoutSeconds * 1000);
  }
}
