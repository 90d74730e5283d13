package io.jray.common.process;

import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code --key value} arguments JRay's own process mains take (the launcher writes them). */
public final class MainArgs {
  private final Map<String, String> values;

  private MainArgs(Map<String, String> values) {
    this.values = values;
  }

  public static MainArgs parse(String[] argv) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < argv.length; i++) {
      if (!argv[i].startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + argv[i] + "'");
      }
      String k = argv[i].substring(2);
      if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
        out.put(k, argv[++i]);
      } else {
        out.put(k, "true");
      }
    }
    return new MainArgs(out);
  }

  public String get(String key, String def) {
    return values.getOrDefault(key, def);
  }

  public boolean has(String key) {
    return values.containsKey(key);
  }

  public String required(String key) {
    String v = values.get(key);
    if (v == null) {
      throw new IllegalArgumentException("missing --" + key);
    }
    return v;
  }
}
