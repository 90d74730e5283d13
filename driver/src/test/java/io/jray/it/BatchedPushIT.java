package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.common.process.NodeOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tasks submitted while a leased worker still has unanswered ones are held and sent together
 * with the next reply (NormalTaskSubmitter, LeasedWorker), and so are actor calls (ActorQueue):
 * batching must keep each worker's order, run every task exactly once, and never hold a lone
 * task back.
 */
class BatchedPushIT {
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(2)).driver();

  @Test
  void batchedTasksRunOnceEachInSubmissionOrderPerWorker() {
    int n = 20_000;
    List<ObjectRef<long[]>> refs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      refs.add(JRay.task(BatchOrderTasks::record, i).remote());
    }
    List<long[]> runs = JRay.get(refs);
    Map<Long, List<long[]>> byWorker = new HashMap<>();
    for (int i = 0; i < n; i++) {
      long[] r = runs.get(i);
      assertThat(r[2]).as("the result of task %d", i).isEqualTo(i);
      byWorker.computeIfAbsent(r[0], k -> new ArrayList<>()).add(r);
    }
    for (Map.Entry<Long, List<long[]>> w : byWorker.entrySet()) {
      List<long[]> mine = w.getValue();
      mine.sort((a, b) -> Long.compare(a[1], b[1]));
      for (int k = 0; k < mine.size(); k++) {
        // run numbers 1..k with no gap: no task ran twice or went missing on this worker
        assertThat(mine.get(k)[1]).as("run %d on worker %d", k + 1, w.getKey()).isEqualTo(k + 1);
        if (k > 0) {
          assertThat(mine.get(k)[2]).as("worker %d ran the tasks it was given in submission order", w.getKey())
              .isGreaterThan(mine.get(k - 1)[2]);
        }
      }
    }
  }

  @Test
  void aLoneTaskAndALoneCallAfterABurstAreAnsweredWithoutMoreWork() {
    // a burst leaves tasks held for replies; then a single task and a single call with nothing
    // behind them must still go out (a held message with no reply to come would hang this get)
    for (int round = 0; round < 20; round++) {
      List<ObjectRef<Integer>> burst = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        burst.add(JRay.task(TestTasks::noop, i).remote());
      }
      JRay.get(burst);
      assertThat(JRay.get(JRay.task(TestTasks::noop, round).remote(), java.time.Duration.ofSeconds(30)))
          .isEqualTo(round);
    }
    io.jray.api.ActorHandle<TestActors.Counter> c = JRay.actor(TestActors.Counter::new).remote();
    for (int round = 1; round <= 20; round++) {
      List<ObjectRef<Integer>> burst = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        burst.add(c.task(TestActors.Counter::add, 1).remote());
      }
      JRay.get(burst);
      assertThat(JRay.get(c.task(TestActors.Counter::add, 0).remote(), java.time.Duration.ofSeconds(30)))
          .isEqualTo(round * 200);
    }
    c.kill();
  }
}
