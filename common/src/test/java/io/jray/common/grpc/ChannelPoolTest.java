package io.jray.common.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.jray.api.NodeId;
import io.jray.api.WorkerId;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.Address;
import org.junit.jupiter.api.Test;

/** The one channel cache: one channel per address, closed when its peer's node or process dies. */
class ChannelPoolTest {
  private static Address at(int port, NodeId node, WorkerId worker) {
    return Address.newBuilder().setHost("127.0.0.1").setPort(port).setNodeId(ProtoIds.bytes(node))
        .setWorkerId(ProtoIds.bytes(worker)).build();
  }

  @Test
  void oneChannelPerAddressWhicheverWayItIsAskedFor() {
    try (ChannelPool pool = new ChannelPool("t")) {
      NodeId n = NodeId.random();
      ManagedChannel bare = pool.get("127.0.0.1", 40001);
      assertThat(pool.get(at(40001, n, WorkerId.random()))).isSameAs(bare);
      assertThat(pool.size()).isEqualTo(1);
      // learned who is there from the second ask: the node's death closes it
      assertThat(pool.nodeDied(n)).isEqualTo(1);
      assertThat(bare.isShutdown()).isTrue();
      assertThat(pool.get("127.0.0.1", 40001)).as("a fresh channel afterwards").isNotSameAs(bare);
    }
  }

  @Test
  void aDeadNodeClosesEveryChannelToItAndNoOther() {
    try (ChannelPool pool = new ChannelPool("t")) {
      NodeId dead = NodeId.random();
      NodeId alive = NodeId.random();
      ManagedChannel raylet = pool.get(at(40010, dead, WorkerId.random()));
      ManagedChannel worker = pool.get(at(40011, dead, WorkerId.random()));
      ManagedChannel other = pool.get(at(40012, alive, WorkerId.random()));
      assertThat(pool.nodeDied(dead)).isEqualTo(2);
      assertThat(raylet.isShutdown()).isTrue();
      assertThat(worker.isShutdown()).isTrue();
      assertThat(other.isShutdown()).isFalse();
      assertThat(pool.size()).isEqualTo(1);
    }
  }

  @Test
  void aDeadWorkerClosesOnlyItsOwnChannel() {
    try (ChannelPool pool = new ChannelPool("t")) {
      NodeId node = NodeId.random();
      WorkerId gone = WorkerId.random();
      ManagedChannel mine = pool.get(at(40020, node, gone));
      ManagedChannel neighbour = pool.get(at(40021, node, WorkerId.random()));
      assertThat(pool.workerDied(gone)).isEqualTo(1);
      assertThat(mine.isShutdown()).isTrue();
      assertThat(neighbour.isShutdown()).isFalse();
    }
  }
}
