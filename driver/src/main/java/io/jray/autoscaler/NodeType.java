package io.jray.autoscaler;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One kind of worker node the autoscaler may start: the resources each node of it offers (CPU and
 * custom ones) and how many of them the cluster keeps at least and at most.
 */
public record NodeType(String name, Map<String, Double> resources, int minWorkers, int maxWorkers) {
  public NodeType {
    resources = Map.copyOf(new LinkedHashMap<>(resources));
  }

  /** The CPUs a raylet of this type is started with (0 when the type names none). */
  public double cpus() {
    return resources.getOrDefault("CPU", 0.0);
  }

  /** Everything but CPU: the raylet's {@code --resources}. */
  public Map<String, Double> customResources() {
    Map<String, Double> custom = new LinkedHashMap<>(resources);
    custom.remove("CPU");
    return custom;
  }
}
