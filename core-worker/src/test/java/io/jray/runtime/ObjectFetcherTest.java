package io.jray.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.jray.common.grpc.ChannelPool;
import io.jray.common.serialization.ObjectCodec;
import io.jray.proto.ErrorInfo;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Long polls to an owner over real gRPC: asked again while pending, shared per object, no thread each. */
class ObjectFetcherTest {
  private final ChannelPool channels = new ChannelPool("t");
  private final ObjectFetcher fetcher = new ObjectFetcher(channels);
  private final FakeOwner owner;

  ObjectFetcherTest() throws Exception {
    owner = new FakeOwner();
  }

  @AfterEach
  void stop() {
    fetcher.close();
    channels.close();
    owner.close();
  }

  @Test
  void aPendingObjectIsAskedForAgainUntilItIsReady() throws Exception {
    ObjectRefImpl<Integer> ref = owner.ref();
    CompletableFuture<ObjectValue> f = fetcher.fetch(ref);
    FakeOwner.Poll first = owner.nextPoll();
    assertThat(owner.idOf(first)).isEqualTo(ref.id());
    assertThat(first.request().getTimeoutMs()).isPositive();
    first.pending();
    owner.nextPoll().ready(42);
    assertThat(ObjectCodec.decode(f.get(5, TimeUnit.SECONDS).bytes())).isEqualTo(42);
    assertThat(owner.calls).hasValue(2);
    assertThat(fetcher.inFlight()).isZero();
  }

  @Test
  void readersOfOneObjectShareOnePollAndThousandsOfPollsTakeNoThreads() throws Exception {
    ObjectRefImpl<Integer> ref = owner.ref();
    CompletableFuture<ObjectValue> a = fetcher.fetch(ref);
    CompletableFuture<ObjectValue> b = fetcher.fetch(ref);
    assertThat(b).isSameAs(a);

    int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
    List<CompletableFuture<ObjectValue>> many = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      many.add(fetcher.fetch(owner.ref()));
    }
    List<FakeOwner.Poll> polls = new ArrayList<>();
    for (int i = 0; i < 2_001; i++) {
      polls.add(owner.nextPoll());
    }
    assertThat(fetcher.inFlight()).isEqualTo(2_001);
    assertThat(ManagementFactory.getThreadMXBean().getThreadCount() - threadsBefore)
        .as("platform threads started for 2,000 polls in flight").isLessThan(20);
    polls.forEach(p -> p.ready(1));
    CompletableFuture.allOf(many.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    assertThat(a.get(5, TimeUnit.SECONDS).isError()).isFalse();
    assertThat(owner.calls).hasValue(2_001);
  }

  @Test
  void anOwnerOnANodeDeclaredDeadIsNotAskedEvenIfItAnswers() throws Exception {
    ObjectRefImpl<Integer> ref = owner.ref();
    ObjectFetcher fenced = new ObjectFetcher(channels, a -> a.equals(ref.owner()));
    try {
      ObjectValue v = fenced.fetch(ref).get(10, TimeUnit.SECONDS);
      assertThat(v.error().getType()).isEqualTo(ErrorInfo.Type.OWNER_DIED);
      assertThat(v.error().getMessage()).contains("declared dead by GCS");
    } finally {
      fenced.close();
    }
    assertThat(owner.calls).hasValue(0);
  }

  @Test
  void anOwnerThatCannotBeReachedMeansTheObjectDiedWithIt() throws Exception {
    ObjectRefImpl<Integer> ref = owner.ref();
    owner.close();
    ObjectValue v = fetcher.fetch(ref).get(10, TimeUnit.SECONDS);
    assertThat(v.error().getType()).isEqualTo(ErrorInfo.Type.OWNER_DIED);
    assertThat(v.error().getMessage()).contains(ref.id().hex()).contains("cannot be reached");
  }

  @Test
  void closingEndsThePollsInFlightAndLaterFetches() throws Exception {
    CompletableFuture<ObjectValue> f = fetcher.fetch(owner.ref());
    owner.nextPoll();
    fetcher.close();
    assertThat(f.get(5, TimeUnit.SECONDS).error().getMessage()).contains("shut down");
    assertThat(fetcher.fetch(owner.ref()).get(5, TimeUnit.SECONDS).error().getType())
        .isEqualTo(ErrorInfo.Type.SYSTEM_ERROR);
  }
}
