package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.api.Progress;
import io.jray.common.process.NodeOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Progress while waiting for 1,000 tasks, as written when the output is not a terminal (issue 15). */
class ProgressIT {
  private static final Pattern COUNT = Pattern.compile("^maps: (\\d+)/1000 ");

  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(2)).driver();

  @Test
  void nonTerminalLinesOfAThousandTaskRunCountUpAndEndAtAThousandOfAThousand() {
    List<ObjectRef<Integer>> refs = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      refs.add(JRay.task(StateTasks::slowSquare, i).remote());
    }
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
    List<Integer> values = JRay.get(refs, Progress.bar("maps").to(out).lines(Duration.ofMillis(200)));
    assertThat(values).hasSize(1000).startsWith(0, 1, 4, 9);

    List<String> lines = buf.toString(StandardCharsets.UTF_8).lines().toList();
    List<Integer> counts = new ArrayList<>();
    for (String l : lines) {
      Matcher m = COUNT.matcher(l);
      assertThat(m.find()).as("a progress line: %s", l).isTrue();
      counts.add(Integer.parseInt(m.group(1)));
    }
    assertThat(counts).as("one line at the start, some while waiting, one at the end").hasSizeGreaterThan(2)
        .isSorted().startsWith(0).endsWith(1000);
    assertThat(lines.get(lines.size() - 1)).startsWith("maps: 1000/1000 (100%)").contains("/s").contains("done in");
  }
}
