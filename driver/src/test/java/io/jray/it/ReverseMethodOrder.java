package io.jray.it;

import java.util.Collections;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.MethodOrdererContext;

/**
 * The reverse of the order JUnit would otherwise use, to show that no test needs another to run
 * first: {@code -Djunit.jupiter.testmethod.order.default=io.jray.it.ReverseMethodOrder}.
 */
public final class ReverseMethodOrder implements MethodOrderer {
  @Override
  public void orderMethods(MethodOrdererContext context) {
    Collections.reverse(context.getMethodDescriptors());
  }
}
