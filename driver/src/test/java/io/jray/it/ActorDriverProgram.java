package io.jray.it;

import io.jray.api.ActorHandle;
import io.jray.api.ActorLifetime;
import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import java.util.ArrayList;
import java.util.List;

/**
 * A driver in its own JVM for the actor ITs; connects through JRAY_ADDRESS and JRAY_AUTH_TOKEN.
 * Modes: {@code detached NAME} creates a detached named counter (one restart allowed), adds 5 and
 * shuts down;
 * {@code owned NAME exit|hang} creates a non-detached named counter, then shuts down or hangs
 * until killed; {@code count NAME N} finds the counter by name, adds 1 N times and checks that
 * its own results come back in order. Each prints one line the test reads.
 */
public final class ActorDriverProgram {
  private ActorDriverProgram() {}

  public static void main(String[] args) throws Exception {
    JRay.init();
    String name = args[1];
    switch (args[0]) {
      case "detached" -> {
        ActorHandle<TestActors.Counter> c = JRay.actor(TestActors.Counter::new).setName(name)
            .setLifetime(ActorLifetime.DETACHED).setMaxRestarts(1).remote();
        c.task(TestActors.Counter::add, 5).remote().get();
        System.out.println("READY pid=" + c.task(TestActors.Counter::pid).remote().get());
        System.out.flush();
        JRay.shutdown();
      }
      case "owned" -> {
        ActorHandle<TestActors.Counter> c = JRay.actor(TestActors.Counter::new).setName(name).remote();
        System.out.println("READY pid=" + c.task(TestActors.Counter::pid).remote().get());
        System.out.flush();
        if (args[2].equals("exit")) {
          JRay.shutdown();
          return;
        }
        Thread.sleep(Long.MAX_VALUE);
        System.out.println(c);
      }
      case "count" -> {
        ActorHandle<TestActors.Counter> c = JRay.<TestActors.Counter>getActor(name).orElseThrow();
        int n = Integer.parseInt(args[2]);
        List<ObjectRef<Integer>> refs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          refs.add(c.task(TestActors.Counter::add, 1).remote());
        }
        List<Integer> got = JRay.get(refs);
        boolean ordered = true;
        for (int i = 1; i < got.size(); i++) {
          ordered &= got.get(i) > got.get(i - 1);
        }
        System.out.println("READY ordered=" + ordered + " last=" + got.get(got.size() - 1));
        System.out.flush();
        JRay.shutdown();
      }
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }
}
