package io.jray.cli;

import io.jray.common.state.StateFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jray list nodes|jobs|actors|tasks|objects|workers}: the cluster's entities of one kind
 * as a table or JSON lines, filtered ({@code --filter KEY=VALUE}, {@code KEY!=VALUE}) and
 * limited. Tasks are filtered by GCS over its whole task store; the rest here. Whatever did not
 * answer is a warning on stderr ({@link ClusterState}).
 */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List the cluster's nodes, jobs, actors, tasks,"
    + " objects or workers.")
final class ListCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "KIND", description = "nodes, jobs, actors, tasks, objects or workers")
  String kind;

  @Option(names = "--address", paramLabel = "HOST:PORT", description = "GCS address (default: the latest local cluster)")
  String address;

  @Option(names = "--filter", paramLabel = "KEY=VALUE", description = "keep rows whose KEY is VALUE (KEY!=VALUE: is"
      + " not); several must all hold; values compare ignoring case")
  List<String> filters = new ArrayList<>();

  @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "at most N rows (default 100)")
  int limit;

  @Option(names = "--detail", description = "every field (tasks: with their state history)")
  boolean detail;

  @Option(names = "--json", description = "one JSON object per line instead of a table")
  boolean json;

  @Override
  public Integer call() {
    if (limit < 1 || limit > 100_000) {
      throw new IllegalArgumentException("--limit must be 1..100000, got " + limit);
    }
    List<StateFilter> parsed = StateFilter.parseAll(filters);
    ClusterState.keysOf(kind); // an unknown kind is refused before anything is asked
    try (ClusterState state = new ClusterState(address)) {
      List<Map<String, Object>> rows = state.rows(kind, parsed, limit, detail);
      RowTable.print(System.out, kind, rows, json, detail);
      state.printWarnings();
    }
    return 0;
  }
}
