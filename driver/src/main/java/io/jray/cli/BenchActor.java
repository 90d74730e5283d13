package io.jray.cli;

import io.jray.api.ActorHandle;
import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.api.Remote;
import java.util.ArrayList;
import java.util.List;

/**
 * The actor {@link Microbenchmark}'s actor metrics call, like {@code Actor} in Ray's
 * {@code ray_perf.py}: its methods do nothing, so what is timed is the runtime's per-call cost.
 */
@Remote
public final class BenchActor {
  /** Returns 0: the smallest result that still travels back to the caller. */
  public int noop() {
    return 0;
  }

  /** A client task of {@code n_n_actor_calls_async}: {@code calls} calls to {@code actor}, then their results. */
  public static int callActor(ActorHandle<BenchActor> actor, int calls) {
    List<ObjectRef<Integer>> refs = new ArrayList<>(calls);
    for (int i = 0; i < calls; i++) {
      refs.add(actor.task(BenchActor::noop).remote());
    }
    JRay.get(refs);
    return calls;
  }
}
