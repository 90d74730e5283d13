package io.jray.common.process;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the resource maps users write on command lines: {@code '{"accel":2,"mem":0.5}'} (a flat
 * JSON object of numbers) or {@code accel=2,mem=0.5}. Amounts must be finite and non-negative.
 */
public final class ResourceSpec {
  private static final Pattern JSON_ENTRY = Pattern.compile("\"([^\"]+)\"\\s*:\\s*([-+0-9.eE]+|NaN|Infinity)");

  private ResourceSpec() {}

  public static Map<String, Double> parse(String text) {
    Map<String, Double> out = new LinkedHashMap<>();
    if (text == null || text.isBlank()) {
      return out;
    }
    String t = text.trim();
    if (t.startsWith("{")) {
      if (!t.endsWith("}")) {
        throw new IllegalArgumentException("bad resources '" + text + "': expected a JSON object like {\"accel\": 2}");
      }
      String body = t.substring(1, t.length() - 1).trim();
      if (body.isEmpty()) {
        return out;
      }
      for (String part : body.split(",")) {
        Matcher m = JSON_ENTRY.matcher(part.trim());
        if (!m.matches()) {
          throw new IllegalArgumentException("bad resources '" + text + "': expected a JSON object like {\"accel\": 2}");
        }
        put(out, m.group(1), m.group(2), text);
      }
      return out;
    }
    for (String part : t.split(",")) {
      String[] kv = part.split("=", 2);
      if (kv.length != 2) {
        throw new IllegalArgumentException("bad resources '" + text + "': expected name=amount[,name=amount]");
      }
      put(out, kv[0].trim(), kv[1].trim(), text);
    }
    return out;
  }

  private static void put(Map<String, Double> out, String name, String amount, String text) {
    if (name.isBlank()) {
      throw new IllegalArgumentException("bad resources '" + text + "': a resource name is empty");
    }
    double v;
    try {
      v = Double.parseDouble(amount);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad resources '" + text + "': '" + amount + "' is not a number");
    }
    if (!Double.isFinite(v) || v < 0) {
      throw new IllegalArgumentException("bad resources '" + text + "': amount of " + name
          + " must be finite and >= 0, got " + amount);
    }
    out.put(name, v);
  }

  /** Renders as the JSON form {@link #parse} reads. */
  public static String format(Map<String, Double> resources) {
    StringBuilder sb = new StringBuilder("{");
    resources.forEach((k, v) -> {
      if (sb.length() > 1) {
        sb.append(',');
      }
      sb.append('"').append(k).append("\":").append(v);
    });
    return sb.append('}').toString();
  }
}
