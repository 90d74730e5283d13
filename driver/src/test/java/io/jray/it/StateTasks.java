package io.jray.it;

import io.jray.api.JRay;
import io.jray.api.Remote;

/** Tasks of the state API and progress tests, named apart from every other test's so filters on name are exact. */
@Remote
public final class StateTasks {
  private StateTasks() {}

  public static int square(int i) {
    return i * i;
  }

  public static int failing(int i) {
    throw new IllegalStateException("boom " + i);
  }

  /** Prints {@code marker} to this worker's stdout (its .out log) and returns the worker's id. */
  public static String printMarker(String marker) {
    System.out.println(marker);
    System.out.flush();
    return JRay.runtimeContext().workerId().hex();
  }

  public static int slowSquare(int i) throws InterruptedException {
    Thread.sleep(5);
    return i * i;
  }

  /** Counted by MetricsIT's jray_tasks; no other test runs it. */
  public static int cube(int i) {
    return i * i * i;
  }

  /** TaskEventRateIT's many tiny tasks. */
  public static int tiny(int i) {
    return i + 1;
  }

  /** TaskEventRateIT's failures, past the rate. */
  public static int failingPastTheRate(int i) {
    throw new IllegalStateException("past the rate " + i);
  }
}
