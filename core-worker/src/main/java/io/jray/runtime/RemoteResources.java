package io.jray.runtime;

import io.jray.api.Remote;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The resources a {@link Remote} annotation asks for, by name: {@code CPU}, {@code GPU},
 * {@code memory} (bytes) and the custom {@code "name=amount"} entries, each checked to be a
 * finite amount {@code >= 0}. Shared by tasks (which always name their CPUs) and actors (which
 * hold only what they ask for beyond the default CPU).
 */
final class RemoteResources {
  private RemoteResources() {}

  /**
   * {@code owner} names the annotated code in errors; {@code withDefaultCpu}: include
   * {@code numCpus} even when it is the default 1 (a task needs it; an actor asks for it only when
   * it differs).
   */
  static Map<String, Double> of(Remote r, String owner, boolean withDefaultCpu) {
    Map<String, Double> res = new LinkedHashMap<>();
    if (withDefaultCpu || r.numCpus() != 1.0) {
      res.put("CPU", r.numCpus());
    }
    if (r.numGpus() > 0) {
      res.put("GPU", r.numGpus());
    }
    if (r.memoryMb() > 0) {
      res.put("memory", r.memoryMb() * 1024.0 * 1024.0);
    }
    for (String spec : r.resources()) {
      String[] kv = spec.split("=", 2);
      if (kv.length != 2 || kv[0].isBlank()) {
        throw new IllegalArgumentException("@Remote(resources) of " + owner + " has '" + spec
            + "'; expected name=amount");
      }
      double v;
      try {
        v = Double.parseDouble(kv[1].trim());
      } catch (NumberFormatException e) {
        v = Double.NaN;
      }
      if (!Double.isFinite(v) || v < 0) {
        throw new IllegalArgumentException("@Remote(resources) of " + owner + ": amount of " + kv[0]
            + " must be finite and >= 0");
      }
      res.put(kv[0].trim(), v);
    }
    return res;
  }
}
