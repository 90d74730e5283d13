package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.api.WaitResult;
import io.jray.api.exception.GetTimeoutException;
import io.jray.api.exception.TaskException;
import io.jray.common.process.NodeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Tasks end to end on a real 2-CPU node: GCS, raylet and worker JVMs, this JVM the driver. */
class TasksIT {
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(2)).driver();

  @Test
  void tenThousandNoOpTasksReturnTheirValues() {
    List<ObjectRef<Integer>> refs = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      refs.add(JRay.task(TestTasks::noop, i).remote());
    }
    List<Integer> values = JRay.get(refs);
    for (int i = 0; i < 10_000; i++) {
      assertThat(values.get(i)).isEqualTo(i);
    }
  }

  @Test
  void chainOfHundredTasksEachTakingThePreviousRef() {
    ObjectRef<Integer> ref = JRay.task(TestTasks::increment, 0).remote();
    for (int i = 1; i < 100; i++) {
      ref = JRay.task(TestTasks::increment, ref).remote();
    }
    assertThat(ref.get()).isEqualTo(100);
  }

  @Test
  void nestedTasksToDepthThreeDoNotDeadlockTwoCpus() {
    long n = 10_000;
    ObjectRef<Long> sum = JRay.task(TestTasks::treeSum, 1L, n, 3).remote();
    assertThat(sum.get(Duration.ofMinutes(3))).isEqualTo(n * (n + 1) / 2);
  }

  @Test
  void waitReturnsReadyAndUnreadyWithNumReturnsAndTimeout() {
    ObjectRef<Long> fast = JRay.task(TestTasks::sleepMillis, 1L).remote();
    ObjectRef<Long> slow = JRay.task(TestTasks::sleepMillis, 20_000L).remote();
    WaitResult<Long> w = JRay.wait(List.of(slow, fast), 1, Duration.ofSeconds(15));
    assertThat(w.ready()).containsExactly(fast);
    assertThat(w.unready()).containsExactly(slow);
    WaitResult<Long> timedOut = JRay.wait(List.of(slow, fast), 2, Duration.ofMillis(200));
    assertThat(timedOut.ready()).containsExactly(fast);
    assertThat(timedOut.unready()).containsExactly(slow);
    WaitResult<Long> none = JRay.wait(List.of(slow, fast), 0, Duration.ofSeconds(1));
    assertThat(none.ready()).isEmpty();
  }

  @Test
  void remoteExceptionArrivesWithTypeMessageAndStackTrace() {
    ObjectRef<Integer> r = JRay.task(TestTasks::fail, "boom").remote();
    assertThatThrownBy(r::get).isInstanceOfSatisfying(TaskException.class, e -> {
      assertThat(e.remoteClassName()).isEqualTo(IllegalStateException.class.getName());
      assertThat(e.remoteMessage()).isEqualTo("boom");
      assertThat(e.remoteStackTrace()).contains("TestTasks.fail");
      assertThat(e.getMessage()).contains("IllegalStateException").contains("boom").contains("TestTasks.fail");
      assertThat(e.getCause()).isInstanceOf(IllegalStateException.class).hasMessage("boom");
    });
    // A task that depends on a failed one fails with the same cause.
    ObjectRef<Integer> dependent = JRay.task(TestTasks::increment, r).remote();
    assertThatThrownBy(dependent::get).isInstanceOf(TaskException.class).hasMessageContaining("boom");
  }

  @Test
  void nonRemoteMethodIsRejectedAtSubmitNamingMethodAndFix() {
    assertThatThrownBy(() -> JRay.task(NotRemoteTasks::plain, 1).remote())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("io.jray.it.NotRemoteTasks.plain")
        .hasMessageContaining("@io.jray.api.Remote");
  }

  @Test
  void lambdaIsRejectedWithAClearMessage() {
    assertThatThrownBy(() -> JRay.task((Integer x) -> x + 1, 1).remote())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a lambda");
  }

  @Test
  void getTimesOutWithGetTimeoutException() {
    ObjectRef<Long> slow = JRay.task(TestTasks::sleepMillis, 10_000L).remote();
    assertThatThrownBy(() -> slow.get(Duration.ofMillis(300))).isInstanceOf(GetTimeoutException.class)
        .hasMessageContaining("timed out");
  }

  @Test
  void userRecordsCollectionsAndArraysTravelBothWays() {
    TestTasks.Person p = new TestTasks.Person("Ada", 36, List.of("math", "engines"), new double[] {1.5, 2.5});
    assertThat(JRay.task(TestTasks::describe, p).remote().get()).isEqualTo("Ada is 36 and likes math,engines");
    TestTasks.Person older = JRay.task(TestTasks::older, JRay.put(p), 10).remote().get();
    assertThat(older.age()).isEqualTo(46);
    assertThat(older.scores()).containsExactly(1.5, 2.5);
    Map<String, int[]> m = JRay.task(TestTasks::arrays, 5).remote().get();
    assertThat(m.get("squares")).containsExactly(0, 1, 4, 9, 16);
  }

  @Test
  void putAndGetAndRefsInsideArguments() {
    ObjectRef<String> s = JRay.put("hello");
    assertThat(s.get()).isEqualTo("hello");
    assertThat(JRay.get(List.of(s, s))).containsExactly("hello", "hello");
    List<ObjectRef<Integer>> refs = List.of(JRay.put(1), JRay.task(TestTasks::noop, 2).remote());
    // ObjectRefs nested in an argument are fetched by the worker from their owner (this driver).
    assertThat(JRay.task(TestTasks::sumOfRefs, refs).remote().get()).containsExactly(1, 2);
  }

  @Test
  void voidTasksRun(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("side-effect");
    ObjectRef<Void> done = JRay.task(TestTasks::sideEffect, f.toString()).remote();
    assertThat(done.get()).isNull();
    assertThat(Files.readString(f)).isEqualTo("done");
  }

  @Test
  void objectsWhoseRefsAreGoneAreFreedByTheOwner() {
    io.jray.runtime.CoreWorker owner = io.jray.runtime.CoreWorker.current();
    ObjectRef<String> kept = JRay.put("kept");
    ObjectRef<Integer> keptResult = JRay.task(TestTasks::noop, 9).remote();
    // refs of earlier tests may still await collection: start from what a GC leaves
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
      int n = owner.ownedObjectCount();
      System.gc();
      Thread.sleep(200);
      return owner.ownedObjectCount() == n;
    });
    int baseline = owner.ownedObjectCount();
    List<ObjectRef<?>> held = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      held.add(JRay.put(new byte[1024]));
      held.add(JRay.task(TestTasks::noop, i).remote());
    }
    held.get(held.size() - 1).get();
    assertThat(owner.ownedObjectCount()).isEqualTo(baseline + 4_000);
    held.clear();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
      System.gc();
      return owner.ownedObjectCount() <= baseline;
    });
    assertThat(kept.get()).isEqualTo("kept");
    assertThat(keptResult.get()).isEqualTo(9);
  }

  @Test
  void runtimeContextNamesJobNodeWorkerAndTask() {
    var driver = JRay.runtimeContext();
    assertThat(driver.isDriver()).isTrue();
    String remote = JRay.task(TestTasks::context).remote().get();
    String[] parts = remote.split("/");
    assertThat(parts[0]).isEqualTo(driver.jobId().hex());
    assertThat(parts[1]).isEqualTo(driver.nodeId().hex());
    assertThat(parts[2]).isNotEqualTo(driver.workerId().hex());
    assertThat(parts[3]).isNotEqualTo(driver.taskId().hex());
  }
}
