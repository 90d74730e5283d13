package io.jray.autoscaler;

import java.util.Map;

/** Tasks (queued and in owners' backlogs) that wait for one resource shape, summed over the raylets' reports. */
public record Demand(Map<String, Double> shape, int count) {
  public Demand {
    shape = Map.copyOf(shape);
    if (count < 0) {
      throw new IllegalArgumentException("demand count must be >= 0, got " + count);
    }
  }

  @Override
  public String toString() {
    return new ResourceShape(shape) + " x " + count;
  }
}
