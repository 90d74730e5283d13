package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jray.api.ActorHandle;
import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.api.exception.ActorDiedException;
import io.jray.common.process.NodeOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Actors end to end: creation by GCS on a real node, ordered calls, handles passed around, faults. */
class ActorsIT {
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(2)).driver();

  @Test
  void twoThousandPipelinedCallsReturnOneToTwoThousandInOrder() {
    ActorHandle<TestActors.Counter> c = JRay.actor(TestActors.Counter::new).remote();
    List<ObjectRef<Integer>> refs = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      refs.add(c.task(TestActors.Counter::add, 1).remote());
    }
    assertThat(JRay.get(refs)).containsExactlyElementsOf(IntStream.rangeClosed(1, 2000).boxed().toList());
    c.kill();
  }

  @Test
  void callsWithRefArgumentsResolvingInReverseOrderRunInSubmissionOrder() {
    ActorHandle<TestActors.Counter> c = JRay.actor(TestActors.Counter::new, 0).remote();
    List<ObjectRef<Integer>> refs = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      // the first argument is ready last
      ObjectRef<Integer> arg = JRay.task(TestActors::delayed, i, (6 - i) * 300L).remote();
      refs.add(c.task(TestActors.Counter::add, arg).remote());
    }
    JRay.get(refs);
    assertThat(c.task(TestActors.Counter::seen).remote().get()).containsExactly(1, 2, 3, 4, 5);
    c.kill();
  }

  @Test
  void constructorThatThrowsMakesEveryCallRaiseActorDiedWithItsException() {
    ActorHandle<TestActors.FailingConstructor> a = JRay.actor(TestActors.FailingConstructor::new, "no way").remote();
    assertThatThrownBy(() -> a.task(TestActors.FailingConstructor::ping).remote().get(Duration.ofSeconds(60)))
        .isInstanceOf(ActorDiedException.class).hasMessageContaining("no way")
        .hasRootCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void inheritedAndDefaultMethodsAndStaticFactoriesWork() {
    ActorHandle<TestActors.Derived> d = JRay.actor(TestActors.Derived::create, "t1").remote();
    assertThat(d.task(TestActors.Derived::tag).remote().get()).isEqualTo("t1");
    assertThat(d.task(TestActors.Derived::name).remote().get()).isEqualTo("base");
    assertThat(d.task(TestActors.Derived::greet, "you").remote().get()).isEqualTo("hello you");
    d.kill();
  }
}
