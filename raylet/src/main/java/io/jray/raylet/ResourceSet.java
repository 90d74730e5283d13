package io.jray.raylet;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Resource amounts by name, kept in fixed point (1/10000 of a unit) so that fractional requests
 * (0.5 CPU) add and subtract exactly: no drift after a million grants.
 */
public final class ResourceSet {
  static final long SCALE = 10_000;
  private final Map<String, Long> amounts;

  private ResourceSet(Map<String, Long> amounts) {
    this.amounts = amounts;
  }

  public static ResourceSet of(Map<String, Double> m) {
    Map<String, Long> a = new LinkedHashMap<>();
    m.forEach((k, v) -> {
      if (v != null && v > 0) {
        a.put(k, Math.round(v * SCALE));
      }
    });
    return new ResourceSet(a);
  }

  public ResourceSet copy() {
    return new ResourceSet(new LinkedHashMap<>(amounts));
  }

  /** True when every amount here is at most what {@code other} has. */
  public boolean fitsIn(ResourceSet other) {
    for (var e : amounts.entrySet()) {
      if (other.amounts.getOrDefault(e.getKey(), 0L) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  public void subtract(ResourceSet r) {
    r.amounts.forEach((k, v) -> amounts.merge(k, -v, Long::sum));
  }

  public void add(ResourceSet r) {
    r.amounts.forEach((k, v) -> amounts.merge(k, v, Long::sum));
  }

  public double get(String name) {
    return amounts.getOrDefault(name, 0L) / (double) SCALE;
  }

  /** Only the named resource, e.g. the CPU a blocked worker gives back. */
  public ResourceSet only(String name) {
    Map<String, Long> a = new LinkedHashMap<>();
    if (amounts.containsKey(name)) {
      a.put(name, amounts.get(name));
    }
    return new ResourceSet(a);
  }

  public Map<String, Double> toMap() {
    Map<String, Double> out = new LinkedHashMap<>();
    amounts.forEach((k, v) -> out.put(k, v / (double) SCALE));
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ResourceSet r && r.amounts.equals(amounts);
  }

  @Override
  public int hashCode() {
    return amounts.hashCode();
  }

  @Override
  public String toString() {
    return toMap().toString();
  }
}
