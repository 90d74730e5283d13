package io.jray.runtime;

import io.jray.common.proto.ProtoIds;
import static org.assertj.core.api.Assertions.assertThat;

import io.jray.api.NodeId;
import io.jray.api.ObjectId;
import io.jray.api.ObjectRef;
import io.jray.proto.Address;
import io.jray.proto.ErrorInfo;
import io.jray.proto.StoredLocation;
import io.jray.proto.TaskSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the owner decides when an object's copies are lost (pure logic: no processes). */
class OwnershipTableLineageTest {
  private static final Address OWNER = Address.newBuilder().setHost("127.0.0.1").setPort(1).build();
  private final List<ObjectId> freed = new ArrayList<>();

  private OwnershipTable table(long budget) {
    return new OwnershipTable((id, v, copies) -> freed.add(id), budget);
  }

  private static ObjectValue storedOn(NodeId node) {
    return ObjectValue.inStore(StoredLocation.newBuilder().setNodeId(ProtoIds.bytes(node))
        .setSize(1 << 20).build());
  }

  private static Lineage lineage(int maxRetries, int padding) {
    return new Lineage(TaskSpec.newBuilder().setMaxRetries(maxRetries).setName("x".repeat(padding)).build(), List.of(),
        "T.make");
  }

  @Test
  void aLostPutCannotBeMadeAgain() {
    OwnershipTable t = table(1 << 20);
    ObjectId id = ObjectId.forReturn(io.jray.api.TaskId.random(), 0);
    ObjectValue v = storedOn(NodeId.random());
    ObjectRef<?> ref = t.addReady(id, v, OWNER);
    OwnershipTable.Recovery r = t.lost(id, v, "node died");
    assertThat(r).isInstanceOfSatisfying(OwnershipTable.Failed.class,
        f -> assertThat(f.error().getType()).isEqualTo(ErrorInfo.Type.OBJECT_LOST));
    assertThat(t.get(id).join().isError()).isTrue();
    assertThat(ref).isNotNull();
  }

  @Test
  void aLostTaskResultIsMadeAgainOnceHoweverManyNoticeAndUpToMaxRetries() {
    OwnershipTable t = table(1 << 20);
    ObjectId id = ObjectId.forReturn(io.jray.api.TaskId.random(), 0);
    ObjectRef<?> ref = t.addPending(id, OWNER);
    t.setLineage(id, lineage(2, 0));
    ObjectValue first = storedOn(NodeId.random());
    t.complete(id, first);

    OwnershipTable.Recovery r = t.lost(id, first, "node died");
    assertThat(r).isInstanceOfSatisfying(OwnershipTable.Remake.class, m -> assertThat(m.attempt()).isEqualTo(1));
    assertThat(t.get(id)).isNotDone();
    // a second reader noticing the same loss starts nothing
    assertThat(t.lost(id, first, "pull failed")).isInstanceOf(OwnershipTable.Changed.class);

    ObjectValue second = storedOn(NodeId.random());
    t.complete(id, second);
    assertThat(t.get(id).join()).isSameAs(second);
    assertThat(t.lost(id, second, "again")).isInstanceOf(OwnershipTable.Remake.class);
    ObjectValue third = storedOn(NodeId.random());
    t.complete(id, third);
    assertThat(t.lost(id, third, "and again")).isInstanceOfSatisfying(OwnershipTable.Failed.class,
        f -> assertThat(f.error().getType()).isEqualTo(ErrorInfo.Type.OBJECT_RECONSTRUCTION_FAILED));
    assertThat(RemoteErrors.toException(t.get(id).join().error()))
        .isInstanceOf(io.jray.api.exception.ObjectReconstructionFailedException.class)
        .hasMessageContaining("maxRetries=2");
    assertThat(ref).isNotNull();
  }

  @Test
  void anInlineResultDropsItsLineage() {
    OwnershipTable t = table(1 << 20);
    ObjectId id = ObjectId.forReturn(io.jray.api.TaskId.random(), 0);
    ObjectRef<?> ref = t.addPending(id, OWNER);
    t.setLineage(id, lineage(3, 0));
    ObjectValue inline = ObjectValue.of(new byte[] {1});
    t.complete(id, inline);
    // only store copies can be lost while the owner lives: nothing to remake from
    assertThat(t.lost(id, inline, "test")).isInstanceOfSatisfying(OwnershipTable.Failed.class,
        f -> assertThat(f.error().getType()).isEqualTo(ErrorInfo.Type.OBJECT_LOST));
    assertThat(ref).isNotNull();
  }

  @Test
  void pastTheBudgetTheOldestLineageIsDropped() {
    Lineage big = lineage(3, 1000);
    OwnershipTable t = table(big.bytes() * 2 + 10);
    List<ObjectRef<?>> refs = new ArrayList<>();
    List<ObjectId> ids = new ArrayList<>();
    List<ObjectValue> values = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ObjectId id = ObjectId.forReturn(io.jray.api.TaskId.random(), 0);
      refs.add(t.addPending(id, OWNER));
      t.setLineage(id, big);
      ObjectValue v = storedOn(NodeId.random());
      t.complete(id, v);
      ids.add(id);
      values.add(v);
    }
    assertThat(t.lost(ids.get(0), values.get(0), "test")).isInstanceOf(OwnershipTable.Failed.class);
    assertThat(t.lost(ids.get(1), values.get(1), "test")).isInstanceOf(OwnershipTable.Remake.class);
    assertThat(t.lost(ids.get(2), values.get(2), "test")).isInstanceOf(OwnershipTable.Remake.class);
    assertThat(refs).hasSize(3);
  }
}
