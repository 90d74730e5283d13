package io.jray.common.state;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * One {@code --filter} of the state API: {@code KEY=VALUE} or {@code KEY!=VALUE} on a field of a
 * row (a task, node, actor, ...), compared as text, ignoring case (so {@code state=failed} works).
 * GCS applies task filters itself (over its whole store); the CLI applies the others to the rows
 * it fetched. Both read a row's fields through a function from key to text, so one parser and one
 * meaning serve the CLI, GCS and a dashboard's {@code /api/}.
 */
public record StateFilter(String key, String value, boolean notEqual) {
  public StateFilter {
    if (key == null || key.isBlank()) {
      throw new IllegalArgumentException("a filter needs a key: KEY=VALUE or KEY!=VALUE");
    }
    if (value == null) {
      throw new IllegalArgumentException("filter " + key + " needs a value: KEY=VALUE or KEY!=VALUE");
    }
  }

  /** Parses {@code KEY=VALUE} or {@code KEY!=VALUE} (spaces around either side are dropped). */
  public static StateFilter parse(String text) {
    int ne = text.indexOf("!=");
    int eq = text.indexOf('=');
    if (eq < 0) {
      throw new IllegalArgumentException("filter '" + text + "' must be KEY=VALUE or KEY!=VALUE");
    }
    boolean not = ne >= 0 && ne + 1 == eq;
    String key = text.substring(0, not ? ne : eq).trim();
    String value = text.substring(eq + 1).trim();
    if (key.isEmpty()) {
      throw new IllegalArgumentException("filter '" + text + "' has no key: KEY=VALUE or KEY!=VALUE");
    }
    return new StateFilter(key, value, not);
  }

  public static List<StateFilter> parseAll(Collection<String> texts) {
    List<StateFilter> out = new ArrayList<>(texts.size());
    for (String t : texts) {
      out.add(parse(t));
    }
    return out;
  }

  /** Whether a field whose value is {@code actual} (null: the row has no such field) passes. */
  public boolean matches(String actual) {
    boolean equal = actual != null && actual.equalsIgnoreCase(value);
    return notEqual != equal;
  }

  /** Whether a row passes every filter; {@code field} gives a key's text for the row. */
  public static <R> boolean all(List<StateFilter> filters, R row, BiFunction<R, String, String> field) {
    for (StateFilter f : filters) {
      if (!f.matches(field.apply(row, f.key()))) {
        return false;
      }
    }
    return true;
  }

  /** Refuses a filter on a key rows of this kind do not have, naming those they have. */
  public static void checkKeys(List<StateFilter> filters, Set<String> keys, String kind) {
    for (StateFilter f : filters) {
      if (!keys.contains(f.key())) {
        throw new IllegalArgumentException("cannot filter " + kind + " on '" + f.key() + "'; keys: "
            + String.join(", ", new java.util.TreeSet<>(keys)));
      }
    }
  }

  public io.jray.proto.StateFilter toProto() {
    return io.jray.proto.StateFilter.newBuilder().setKey(key).setValue(value).setNotEqual(notEqual).build();
  }

  public static StateFilter fromProto(io.jray.proto.StateFilter p) {
    return new StateFilter(p.getKey(), p.getValue(), p.getNotEqual());
  }

  public static List<StateFilter> fromProtos(List<io.jray.proto.StateFilter> ps) {
    List<StateFilter> out = new ArrayList<>(ps.size());
    for (io.jray.proto.StateFilter p : ps) {
      out.add(fromProto(p));
    }
    return out;
  }

  @Override
  public String toString() {
    return key + (notEqual ? "!=" : "=") + value;
  }
}
