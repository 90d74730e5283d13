package io.jray.cli;

import io.jray.common.state.StateFilter;
import io.jray.proto.GetTasksReply;
import io.jray.proto.TaskCount;
import io.jray.proto.TaskEvent;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jray summary tasks}: the tasks GCS has events of, counted by function and state. */
@Command(name = "summary", mixinStandardHelpOptions = true, description = "Count the cluster's tasks by function and"
    + " state.")
final class SummaryCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "KIND", description = "tasks")
  String kind;

  @Option(names = "--address", paramLabel = "HOST:PORT", description = "GCS address (default: the latest local cluster)")
  String address;

  @Option(names = "--filter", paramLabel = "KEY=VALUE", description = "count only tasks whose KEY is (!=: is not) VALUE")
  List<String> filters = new ArrayList<>();

  @Option(names = "--json", description = "one JSON object per function instead of a table")
  boolean json;

  @Override
  public Integer call() {
    if (!kind.equals("tasks")) {
      throw new IllegalArgumentException("cannot summarize '" + kind + "': jray summary tasks");
    }
    List<StateFilter> parsed = StateFilter.parseAll(filters);
    try (ClusterState state = new ClusterState(address)) {
      GetTasksReply r = state.tasks(parsed, 1, false, true);
      Map<String, Map<TaskEvent.State, Long>> byName = new TreeMap<>();
      for (TaskCount c : r.getCountsList()) {
        byName.computeIfAbsent(c.getName(), n -> new EnumMap<>(TaskEvent.State.class)).merge(c.getState(), c.getCount(),
            Long::sum);
      }
      List<Map<String, Object>> rows = new ArrayList<>();
      for (var e : byName.entrySet()) {
        Map<String, Object> row = new java.util.LinkedHashMap<>();
        row.put("name", e.getKey().isEmpty() ? "(unknown: first events dropped)" : e.getKey());
        long total = 0;
        for (TaskEvent.State s : List.of(TaskEvent.State.PENDING_ARGS, TaskEvent.State.SUBMITTED,
            TaskEvent.State.RUNNING, TaskEvent.State.FINISHED, TaskEvent.State.FAILED, TaskEvent.State.CANCELLED)) {
          long n = e.getValue().getOrDefault(s, 0L);
          row.put(s.name().toLowerCase(), n);
          total += n;
        }
        row.put("total", total);
        rows.add(row);
      }
      if (json) {
        rows.forEach(row -> System.out.println(io.jray.common.state.JsonText.of(row)));
      } else {
        RowTable.print(System.out, "functions", rows, false, true);
        System.out.println(r.getMatched() + " tasks (GCS holds " + r.getStored() + " of at most " + r.getCapacity()
            + ")");
      }
      state.printWarnings();
    }
    return 0;
  }
}
