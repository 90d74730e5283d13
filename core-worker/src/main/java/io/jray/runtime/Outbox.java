package io.jray.runtime;

import java.util.ArrayList;

/**
 * Calls out (gRPC writes and calls, completing futures) decided under a monitor and made after it
 * is released (DESIGN §10): whoever holds the monitor adds them, the same thread runs them once
 * it has let go. Allocates nothing until the first call is added.
 */
final class Outbox {
  private ArrayList<Runnable> calls;

  void add(Runnable call) {
    if (calls == null) {
      calls = new ArrayList<>(2);
    }
    calls.add(call);
  }

  /** Runs the calls in the order added; must not be called while holding the monitor. */
  void run() {
    if (calls == null) {
      return;
    }
    for (Runnable r : calls) {
      r.run();
    }
    calls = null;
  }
}
