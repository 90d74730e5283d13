package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jray.api.ActorHandle;
import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.common.process.NodeOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A GCS that stays down (killed, no supervisor): tasks and calls on an actor that lives keep
 * working, and a call that needs GCS ({@code getActor}) fails after {@code gcs.reconnect-timeout-ms}
 * (3 s here, 60 s by default) with an error that names the GCS address and since when it has been
 * unreachable, instead of hanging.
 */
class GcsDownIT {
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(2))
      .property("jray.gcs.reconnect-timeout-ms", "3000").driver();

  @Test
  void workGoesOnAndGetActorFailsClearlyAfterTheReconnectTimeout() throws Exception {
    ActorHandle<TestActors.Counter> counter = JRay.actor(TestActors.Counter::new).setName("gcs-down-counter").remote();
    assertThat(counter.task(TestActors.Counter::add, 1).remote().get(Duration.ofSeconds(60))).isEqualTo(1);
    assertThat(JRay.task(TestTasks::increment, 0).remote().get(Duration.ofSeconds(60))).isEqualTo(1);
    new ProcessBuilder("kill", "-9", Long.toString(cluster.gcsPid())).start().waitFor();

    List<ObjectRef<Integer>> tasks = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      tasks.add(JRay.task(TestTasks::increment, i).remote());
    }
    for (int i = 0; i < 50; i++) {
      assertThat(tasks.get(i).get(Duration.ofSeconds(60))).isEqualTo(i + 1);
    }
    assertThat(counter.task(TestActors.Counter::add, 1).remote().get(Duration.ofSeconds(60))).isEqualTo(2);

    String gcsPort = cluster.gcsAddress().substring(cluster.gcsAddress().lastIndexOf(':') + 1);
    assertThatThrownBy(() -> JRay.getActor("gcs-down-counter"))
        .hasMessageContaining(gcsPort).hasMessageContaining("unreachable since");
  }
}
