package io.jray.autoscaler;

import java.util.Map;
import java.util.TreeMap;

/** Resource amounts by name: a task's request, or what a node has left. Compared with a small epsilon, as the raylet does. */
record ResourceShape(Map<String, Double> amounts) {
  private static final double EPSILON = 1e-9;

  ResourceShape {
    amounts = Map.copyOf(amounts);
  }

  boolean fitsIn(Map<String, Double> capacity) {
    for (var e : amounts.entrySet()) {
      if (e.getValue() > capacity.getOrDefault(e.getKey(), 0.0) + EPSILON) {
        return false;
      }
    }
    return true;
  }

  /** Takes this shape from {@code capacity} (which it must fit). */
  void takeFrom(Map<String, Double> capacity) {
    amounts.forEach((k, v) -> capacity.merge(k, -v, Double::sum));
  }

  /** Largest first for first-fit decreasing: the total of the amounts. */
  double size() {
    return amounts.values().stream().mapToDouble(Double::doubleValue).sum();
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("{");
    new TreeMap<>(amounts).forEach((k, v) -> b.append(b.length() > 1 ? ", " : "").append(k).append(": ")
        .append(v == Math.rint(v) ? Long.toString(v.longValue()) : v.toString()));
    return b.append('}').toString();
  }
}
