package io.jray.raylet;

import io.jray.common.concurrent.EventLoop;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A test's steps run on the component's own loop, where its callers run them too (loop-owned code
 * asserts that), and the test waits for each. What a step throws is rethrown, wrapped.
 */
final class OnLoop {
  private OnLoop() {}

  static <T> T call(EventLoop loop, Callable<T> body) {
    CompletableFuture<T> f = new CompletableFuture<>();
    loop.execute(() -> {
      try {
        f.complete(body.call());
      } catch (Throwable t) {
        f.completeExceptionally(t);
      }
    });
    return f.orTimeout(10, TimeUnit.SECONDS).join();
  }

  static void run(EventLoop loop, Runnable body) {
    call(loop, () -> {
      body.run();
      return null;
    });
  }
}
