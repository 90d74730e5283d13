package io.jray.cli;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code jray start --block}: the CLI stays in the foreground as the node's main process, as a
 * container's entry point must. SIGTERM or Ctrl-C stops the node's processes in order (each
 * SIGTERM, then SIGKILL after 10 s); if one of them dies by itself the CLI exits 1, so the
 * container's restart policy takes over.
 */
final class ForegroundNode {
  private static final long GRACE_SECONDS = 10;

  /** The node's processes, in the order they are stopped. */
  private final List<ProcessHandle> processes;
  private volatile boolean stopping;

  ForegroundNode(List<ProcessHandle> processes) {
    this.processes = processes;
  }

  int blockUntilStopped() {
    Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "jray-block-stop"));
    System.out.println("Running in the foreground (--block): SIGTERM or Ctrl-C stops this node.");
    System.out.flush();
    CompletableFuture<?>[] exits = processes.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new);
    Object first = CompletableFuture.anyOf(exits).join();
    if (stopping) {
      return 0;
    }
    ProcessHandle died = (ProcessHandle) first;
    System.err.println("jray start --block: pid " + died.pid() + " (" + died.info().command().orElse("?")
        + ") exited by itself; stopping the rest of this node");
    stopAll();
    return 1;
  }

  private synchronized void stopAll() {
    if (stopping && processes.stream().noneMatch(ProcessHandle::isAlive)) {
      return;
    }
    stopping = true;
    for (ProcessHandle h : processes) {
      if (!h.isAlive()) {
        continue;
      }
      h.destroy();
      try {
        h.onExit().get(GRACE_SECONDS, TimeUnit.SECONDS);
      } catch (Exception e) {
        h.destroyForcibly();
      }
    }
    System.out.println("jray start --block: node stopped");
    System.out.flush();
  }
}
