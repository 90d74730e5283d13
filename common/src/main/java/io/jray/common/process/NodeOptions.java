package io.jray.common.process;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a raylet is started with. {@code numCpus} null means the machine's core count;
 * {@code resources} are custom resources on top of CPU; a store size of 0 and null directories
 * mean the configured defaults.
 */
public record NodeOptions(Double numCpus, Map<String, Double> resources, long objectStoreMemory, String host,
    String objectStoreDir, String spillDir) {
  public NodeOptions {
    resources = Map.copyOf(new LinkedHashMap<>(resources == null ? Map.of() : resources));
    host = host == null || host.isBlank() ? "127.0.0.1" : host;
    if (objectStoreMemory < 0) {
      throw new IllegalArgumentException("object store memory must be >= 0 bytes, got " + objectStoreMemory);
    }
  }

  public NodeOptions(Double numCpus, Map<String, Double> resources, long objectStoreMemory, String host) {
    this(numCpus, resources, objectStoreMemory, host, null, null);
  }

  public static NodeOptions defaults() {
    return new NodeOptions(null, Map.of(), 0, "127.0.0.1");
  }

  public NodeOptions withCpus(double cpus) {
    return new NodeOptions(cpus, resources, objectStoreMemory, host, objectStoreDir, spillDir);
  }

  /** The address other processes reach this node at (its raylet's {@code --host}). */
  public NodeOptions withHost(String h) {
    return new NodeOptions(numCpus, resources, objectStoreMemory, h, objectStoreDir, spillDir);
  }

  public NodeOptions withResources(Map<String, Double> r) {
    return new NodeOptions(numCpus, r, objectStoreMemory, host, objectStoreDir, spillDir);
  }
}
