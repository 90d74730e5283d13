package io.jray.cli;

import io.jray.common.state.JsonText;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Prints state API rows: one JSON object per line ({@code --json}), or a table of the columns a
 * kind shows by default (every field with {@code --detail}), each column as wide as its widest
 * cell up to a cap.
 */
final class RowTable {
  private static final int MAX_WIDTH = 48;

  private RowTable() {}

  static List<String> defaultColumns(String kind) {
    return switch (kind) {
      case "nodes" -> List.of("node_id", "state", "host", "raylet_port", "is_head", "resources");
      case "jobs" -> List.of("job_id", "state", "driver_host", "driver_pid", "end_reason");
      case "actors" -> List.of("actor_id", "state", "class", "name", "node_id", "pid", "restarts", "death_cause");
      case "tasks" -> List.of("task_id", "name", "state", "attempt", "node_id", "error_type", "error_message");
      case "workers" -> List.of("worker_id", "type", "state", "job_id", "node_id", "pid", "port");
      case "objects" -> List.of("object_id", "state", "size", "owner_worker_id", "locations", "reference_kinds");
      default -> List.of();
    };
  }

  static void print(PrintStream out, String kind, List<Map<String, Object>> rows, boolean json, boolean detail) {
    if (json) {
      rows.forEach(r -> out.println(JsonText.of(r)));
      return;
    }
    List<String> cols = detail && !rows.isEmpty() ? new ArrayList<>(rows.get(0).keySet()) : defaultColumns(kind);
    int[] width = new int[cols.size()];
    List<String[]> cells = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      String[] c = new String[cols.size()];
      for (int i = 0; i < c.length; i++) {
        c[i] = cell(r.get(cols.get(i)));
        width[i] = Math.max(width[i], c[i].length());
      }
      cells.add(c);
    }
    StringBuilder head = new StringBuilder();
    for (int i = 0; i < cols.size(); i++) {
      width[i] = Math.min(MAX_WIDTH, Math.max(width[i], cols.get(i).length()));
      head.append(pad(cols.get(i).toUpperCase(), width[i], i == cols.size() - 1));
    }
    out.println(head.toString().stripTrailing());
    for (String[] c : cells) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < c.length; i++) {
        line.append(pad(c[i], width[i], i == c.length - 1));
      }
      out.println(line.toString().stripTrailing());
    }
    out.println(rows.size() + " " + kind);
  }

  private static String cell(Object v) {
    if (v == null) {
      return "-";
    }
    String s = v instanceof Map<?, ?> || v instanceof List<?> ? JsonText.of(v) : v.toString();
    return s.isEmpty() ? "-" : s.replace('\n', ' ');
  }

  private static String pad(String s, int width, boolean last) {
    if (last) {
      return s; // the last column is never cut: error messages and causes are read whole
    }
    String c = s.length() > width ? s.substring(0, width - 1) + "…" : s;
    return c + " ".repeat(width - c.length() + 2);
  }
}
