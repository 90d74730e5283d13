package io.jray.autoscaler;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads and checks a cluster file (YAML) for {@code jray up} and {@code jray start --head
 * --autoscaling-config}. Every mistake is refused before anything starts, with a message that
 * names the file, the key and the fix; unknown keys are refused too, so a typo never silently
 * falls back to a default.
 *
 * <pre>
 * clusterName: demo            # optional, names containers and logs
 * provider: local              # or {type: docker, image: jray/jray:0.1.0, network: jray, shmSize: 1g}
 * idleTimeoutSeconds: 60       # default 300 (Ray's 5 minutes)
 * upscalingSpeed: 1.0          # default 1.0
 * maxWorkers: 4                # optional cap over all types
 * head: {resources: {CPU: 1}}  # jray up only
 * nodeTypes:
 *   accel-worker: {resources: {CPU: 1, accel: 1}, minWorkers: 0, maxWorkers: 2}
 * </pre>
 */
public final class AutoscalingConfigFile {
  private static final Set<String> TOP = Set.of("clusterName", "provider", "idleTimeoutSeconds", "upscalingSpeed",
      "maxWorkers", "head", "nodeTypes");
  private static final Set<String> PROVIDER = Set.of("type", "image", "network", "shmSize", "gcsAddress");
  private static final Set<String> TYPE = Set.of("resources", "minWorkers", "maxWorkers");
  private static final Set<String> HEAD = Set.of("resources");
  /** Ray's default {@code max_workers} of a node type that gives none. */
  static final int DEFAULT_TYPE_MAX_WORKERS = 2;
  /** What a raylet's {@code --resources} and a container name take without quoting. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}");
  private static final Pattern SHM_SIZE = Pattern.compile("[0-9]+[bkmgBKMG]?");

  private final Path file;

  private AutoscalingConfigFile(Path file) {
    this.file = file;
  }

  /** The checked configuration of {@code file}; {@link IllegalArgumentException} saying what to fix otherwise. */
  public static AutoscalingConfig read(Path file) {
    Path abs = file.toAbsolutePath().normalize();
    String text;
    try {
      text = Files.readString(abs);
    } catch (IOException e) {
      throw new IllegalArgumentException(abs + ": cannot read the cluster file (" + e.getMessage()
          + "); give the path of a readable YAML file, e.g. deploy/autoscaler-local.yaml");
    }
    return parse(abs, text);
  }

  /** As {@link #read}, from text already read ({@code file} names it in messages). */
  static AutoscalingConfig parse(Path file, String text) {
    return new AutoscalingConfigFile(file).parse(text);
  }

  private AutoscalingConfig parse(String text) {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    Object root;
    try {
      root = new Yaml(new SafeConstructor(options)).load(text);
    } catch (YAMLException e) {
      throw error("(file)", "is not valid YAML: " + e.getMessage().replace('\n', ' '),
          "fix the syntax at the line and column named");
    }
    if (root == null) {
      throw error("(file)", "is empty", "give at least nodeTypes with one node type");
    }
    Map<String, Object> top = map(root, "(top level)");
    known(top, TOP, "");
    String clusterName = top.containsKey("clusterName") ? name(top.get("clusterName"), "clusterName") : "jray";
    ProviderConfig provider = provider(top.get("provider"));
    double idle = number(top, "idleTimeoutSeconds", AutoscalingConfig.DEFAULT_IDLE_TIMEOUT_SECONDS, "", false);
    double speed = number(top, "upscalingSpeed", AutoscalingConfig.DEFAULT_UPSCALING_SPEED, "", true);
    int maxWorkers = count(top, "maxWorkers", Integer.MAX_VALUE, "");
    Map<String, Double> head = Map.of();
    if (top.get("head") != null) {
      Map<String, Object> h = map(top.get("head"), "head");
      known(h, HEAD, "head.");
      head = h.containsKey("resources") ? resources(h.get("resources"), "head.resources", false) : Map.of();
    }
    if (top.get("nodeTypes") == null) {
      throw error("nodeTypes", "is missing", "add nodeTypes: with at least one type, e.g. nodeTypes: {worker:"
          + " {resources: {CPU: 2}, minWorkers: 0, maxWorkers: 2}}");
    }
    Map<String, Object> types = map(top.get("nodeTypes"), "nodeTypes");
    if (types.isEmpty()) {
      throw error("nodeTypes", "has no node type", "add one, e.g. worker: {resources: {CPU: 2}, maxWorkers: 2}");
    }
    Map<String, NodeType> nodeTypes = new LinkedHashMap<>();
    int typeDefaultMax = top.containsKey("maxWorkers") ? maxWorkers : DEFAULT_TYPE_MAX_WORKERS;
    for (var e : types.entrySet()) {
      String typeName = name(e.getKey(), "nodeTypes." + e.getKey());
      String at = "nodeTypes." + typeName + ".";
      if (e.getValue() == null) {
        throw error(at + "resources", "is missing", "give the resources of each node of this type, e.g."
            + " resources: {CPU: 2}");
      }
      Map<String, Object> t = map(e.getValue(), "nodeTypes." + typeName);
      known(t, TYPE, at);
      if (t.get("resources") == null) {
        throw error(at + "resources", "is missing", "give the resources of each node of this type, e.g."
            + " resources: {CPU: 2}");
      }
      Map<String, Double> res = resources(t.get("resources"), at + "resources", true);
      int min = count(t, "minWorkers", 0, at);
      int max = count(t, "maxWorkers", typeDefaultMax, at);
      if (min > max) {
        throw error(at + "minWorkers", "is " + min + ", more than maxWorkers " + max,
            "make minWorkers <= maxWorkers (raise " + at + "maxWorkers or lower " + at + "minWorkers)");
      }
      nodeTypes.put(typeName, new NodeType(typeName, res, min, max));
    }
    int minSum = nodeTypes.values().stream().mapToInt(NodeType::minWorkers).sum();
    if (minSum > maxWorkers) {
      throw error("maxWorkers", "is " + maxWorkers + ", fewer than the node types' minWorkers together (" + minSum
          + ")", "raise maxWorkers to at least " + minSum + " or lower a type's minWorkers");
    }
    return new AutoscalingConfig(file, clusterName, provider, idle, speed, maxWorkers, head, nodeTypes);
  }

  private ProviderConfig provider(Object value) {
    ProviderConfig d = ProviderConfig.local();
    if (value == null) {
      return d;
    }
    Map<String, Object> p;
    if (value instanceof String s) {
      p = Map.of("type", s);
    } else {
      p = map(value, "provider");
    }
    known(p, PROVIDER, "provider.");
    Object type = p.get("type");
    if (!(type instanceof String t) || !(t.equals(ProviderConfig.LOCAL) || t.equals(ProviderConfig.DOCKER))) {
      throw error(value instanceof String ? "provider" : "provider.type", "is '" + type + "', not a known provider",
          "use local (raylet processes on this machine) or docker (raylet containers)");
    }
    String image = text(p, "image", d.image());
    String network = text(p, "network", d.network());
    String shm = text(p, "shmSize", d.shmSize());
    if (!SHM_SIZE.matcher(shm).matches()) {
      throw error("provider.shmSize", "is '" + shm + "'", "give a size as docker run --shm-size takes it, e.g. 1g"
          + " or 512m");
    }
    return new ProviderConfig(t, image, name(network, "provider.network"), shm, text(p, "gcsAddress", ""));
  }

  private Map<String, Double> resources(Object value, String at, boolean needSome) {
    Map<String, Object> m = map(value, at);
    Map<String, Double> out = new LinkedHashMap<>();
    for (var e : m.entrySet()) {
      String r = name(e.getKey(), at + "." + e.getKey());
      if (!(e.getValue() instanceof Number n) || !Double.isFinite(n.doubleValue()) || n.doubleValue() < 0) {
        throw error(at + "." + r, "is '" + e.getValue() + "'", "give a finite number >= 0, e.g. " + r + ": 1");
      }
      out.put(r, n.doubleValue());
    }
    if (needSome && out.values().stream().noneMatch(v -> v > 0)) {
      throw error(at, "offers nothing", "give each node of this type at least one resource above 0, e.g."
          + " resources: {CPU: 2}");
    }
    return out;
  }

  private double number(Map<String, Object> m, String key, double def, String at, boolean positive) {
    Object v = m.get(key);
    if (v == null) {
      return def;
    }
    if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue()) || n.doubleValue() < 0
        || positive && n.doubleValue() == 0) {
      throw error(at + key, "is '" + v + "'", "give a finite number " + (positive ? "> 0" : ">= 0")
          + ", e.g. " + key + ": " + (def == (long) def ? Long.toString((long) def) : Double.toString(def)));
    }
    return n.doubleValue();
  }

  private int count(Map<String, Object> m, String key, int def, String at) {
    Object v = m.get(key);
    if (v == null) {
      return def;
    }
    if (!(v instanceof Integer i) || i < 0) {
      throw error(at + key, "is '" + v + "'", "give a whole number >= 0, e.g. " + key + ": 2");
    }
    return i;
  }

  private String text(Map<String, Object> m, String key, String def) {
    Object v = m.get(key);
    if (v == null) {
      return def;
    }
    if (!(v instanceof String s) || s.isBlank()) {
      throw error("provider." + key, "is '" + v + "'", "give a non-empty text, or leave it out for " + def);
    }
    return s.trim();
  }

  private String name(Object v, String at) {
    if (!(v instanceof String s) || !NAME.matcher(s).matches()) {
      throw error(at, "is not a usable name ('" + v + "')", "use letters, digits and _ . : / - (up to 64,"
          + " starting with a letter or digit)");
    }
    return s;
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> map(Object v, String at) {
    if (!(v instanceof Map<?, ?> m)) {
      throw error(at, "is '" + v + "', not a mapping", "write it as key: value lines (or {key: value})");
    }
    for (Object k : m.keySet()) {
      if (!(k instanceof String)) {
        throw error(at, "has the key '" + k + "', which is not text", "quote it or rename it");
      }
    }
    return (Map<String, Object>) m;
  }

  private void known(Map<String, Object> m, Set<String> keys, String at) {
    for (String k : m.keySet()) {
      if (!keys.contains(k)) {
        throw error(at + k, "is not a known key", "use one of " + List.copyOf(new java.util.TreeSet<>(keys))
            + " (keys are case-sensitive)");
      }
    }
  }

  private IllegalArgumentException error(String key, String problem, String fix) {
    return new IllegalArgumentException("cluster file " + file + ": " + key + " " + problem + "; fix: " + fix
        + ". Nothing was started.");
  }
}
