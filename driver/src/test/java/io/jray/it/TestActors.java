package io.jray.it;

import io.jray.api.ActorHandle;
import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.api.Remote;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Actor classes and the tasks that call them, for the actor ITs. */
final class TestActors {
  private TestActors() {}

  /** A counter with a log of what it was given, in order. */
  @Remote
  public static class Counter {
    private int value;
    private final List<Integer> seen = new ArrayList<>();

    public Counter() {
      this(0);
    }

    public Counter(int start) {
      this.value = start;
    }

    public int add(int n) {
      value += n;
      seen.add(n);
      return value;
    }

    public int get() {
      return value;
    }

    public List<Integer> seen() {
      return List.copyOf(seen);
    }

    public void reset() {
      value = 0;
      seen.clear();
    }

    public long pid() {
      return ProcessHandle.current().pid();
    }

    public boolean wasRestarted() {
      return JRay.runtimeContext().wasRestarted();
    }

    public String nodeId() {
      return JRay.runtimeContext().nodeId().hex();
    }

    public String actorId() {
      return JRay.runtimeContext().actorId().hex();
    }

    public int sleepThenAdd(long millis, int n) throws InterruptedException {
      Thread.sleep(millis);
      return add(n);
    }

    public void exit() {
      JRay.exitActor();
    }

    /** {@link TestActors#fromEightThreads} run inside this actor. */
    public int fromEightThreadsHere(ActorHandle<Counter> other) throws Exception {
      return fromEightThreads(other);
    }

    /** Calls another actor through a handle it was given. */
    public int addTo(ActorHandle<Counter> other, int n) {
      return other.task(Counter::add, n).remote().get();
    }
  }

  /** Inherited and interface-default methods are callable too. */
  public interface Greeter {
    default String greet(String who) {
      return "hello " + who;
    }
  }

  @Remote
  public static class Base {
    public String name() {
      return "base";
    }
  }

  @Remote
  public static class Derived extends Base implements Greeter {
    public static Derived create(String tag) {
      return new Derived(tag);
    }

    private final String tag;

    public Derived(String tag) {
      this.tag = tag;
    }

    public String tag() {
      return tag;
    }
  }

  @Remote
  public static class FailingConstructor {
    public FailingConstructor(String why) {
      throw new IllegalStateException(why);
    }

    public int ping() {
      return 1;
    }
  }

  /** Tracks how many calls run at once. */
  @Remote
  public static class Overlap {
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger max = new AtomicInteger();

    public int hold(long millis) throws InterruptedException {
      int now = running.incrementAndGet();
      max.accumulateAndGet(now, Math::max);
      try {
        Thread.sleep(millis);
      } finally {
        running.decrementAndGet();
      }
      return now;
    }

    public int maxOverlap() {
      return max.get();
    }
  }

  @Remote
  public static int callCounter(ActorHandle<Counter> c, int times) {
    List<ObjectRef<Integer>> refs = new ArrayList<>();
    for (int i = 0; i < times; i++) {
      refs.add(c.task(Counter::add, 1).remote());
    }
    JRay.get(refs);
    return times;
  }

  /**
   * The API from 8 plain threads at once, in whatever process runs this: each calls {@code c} 25
   * times, puts and gets a value and runs a task; two also create, call and kill an actor.
   * Returns the calls made to {@code c}.
   */
  @Remote
  public static int fromEightThreads(ActorHandle<Counter> c) throws Exception {
    List<Thread> threads = new ArrayList<>();
    java.util.concurrent.ConcurrentLinkedQueue<Throwable> errors = new java.util.concurrent.ConcurrentLinkedQueue<>();
    for (int i = 0; i < 8; i++) {
      int k = i;
      threads.add(Thread.ofPlatform().start(() -> {
        try {
          List<ObjectRef<Integer>> refs = new ArrayList<>();
          for (int j = 0; j < 25; j++) {
            refs.add(c.task(Counter::add, 1).remote());
          }
          JRay.get(refs);
          if (JRay.put(k).get() != k || JRay.task(TestTasks::increment, k).remote().get() != k + 1) {
            throw new IllegalStateException("wrong value on thread " + k);
          }
          if (k % 4 == 0) { // two of them: each actor costs a worker JVM start
            ActorHandle<Counter> own = JRay.actor(Counter::new, k).remote();
            if (own.task(Counter::add, 1).remote().get() != k + 1) {
              throw new IllegalStateException("wrong actor value on thread " + k);
            }
            own.kill();
          }
        } catch (Throwable e) {
          errors.add(e);
        }
      }));
    }
    for (Thread t : threads) {
      t.join();
    }
    if (!errors.isEmpty()) {
      throw new IllegalStateException(errors.size() + " threads failed, first: " + errors.peek(), errors.peek());
    }
    return 8 * 25;
  }

  @Remote
  public static int callCounterInList(List<ActorHandle<Counter>> handles, int n) {
    return handles.get(0).task(Counter::add, n).remote().get();
  }

  @Remote
  public static ActorHandle<Counter> makeCounter(int start) {
    return JRay.actor(Counter::new, start).remote();
  }

  @Remote
  public static int delayed(int value, long millis) throws InterruptedException {
    Thread.sleep(millis);
    return value;
  }
}
