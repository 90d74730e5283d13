package io.jray.it;

import java.util.Collections;
import java.util.Comparator;
import org.junit.jupiter.api.MethodDescriptor;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.MethodOrdererContext;

/**
 * This module's default method order (junit-platform.properties): random, so that a test that
 * needs another to run first fails instead of passing by luck. The seed is printed with each class;
 * {@code -Djunit.jupiter.execution.order.random.seed=N} replays an order. Classes whose tests are
 * steps of one scenario say so with {@code @TestMethodOrder(OrderAnnotation.class)}.
 */
public final class RandomMethodOrder implements MethodOrderer {
  static final String SEED = "junit.jupiter.execution.order.random.seed";
  private static final long RUN_SEED = System.nanoTime();

  @Override
  public void orderMethods(MethodOrdererContext context) {
    long seed = context.getConfigurationParameter(SEED).map(Long::parseLong).orElse(RUN_SEED);
    context.getMethodDescriptors().sort(Comparator.comparing((MethodDescriptor d) -> d.getMethod().toGenericString()));
    Collections.shuffle(context.getMethodDescriptors(), new java.util.Random(seed ^ context.getTestClass().getName().hashCode()));
    System.out.printf("method order of %s: random, seed %d (-D%s=%d replays it)%n",
        context.getTestClass().getSimpleName(), seed, SEED, seed);
  }
}
