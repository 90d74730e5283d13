package io.jray.examples;

import io.jray.api.Remote;

/** The tasks of README's tour: small static methods marked {@code @Remote}. */
@Remote
public final class MathTasks {
  private MathTasks() {}

  public static int square(int x) {
    return x * x;
  }

  public static int add(int a, int b) {
    return a + b;
  }
}
