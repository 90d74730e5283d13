package io.jray.it;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.api.Remote;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Remote tasks for {@link CancelIT}. Each leaves a trace in files the test names, so the test can
 * tell whether, and how often, it ran.
 */
@Remote
public final class CancelTasks {
  private CancelTasks() {}

  /** Writes {@code path} when it runs: a task that must never run leaves no file. */
  public static String touch(String path) throws IOException {
    Files.writeString(Path.of(path), "ran");
    return path;
  }

  /** {@link #touch}, once its argument is there. */
  public static String touchAfter(long ignored, String path) throws IOException {
    return touch(path);
  }

  /**
   * Writes this worker's pid to {@code startedFile}, sleeps {@code ms}, returns the pid. An
   * interrupt ends the sleep and writes {@code startedFile + ".interrupted"}.
   */
  public static long pidAfterSleep(String startedFile, long ms) throws Exception {
    long pid = ProcessHandle.current().pid();
    Files.writeString(Path.of(startedFile), Long.toString(pid));
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Files.writeString(Path.of(startedFile + ".interrupted"), "interrupted");
      throw e;
    }
    return pid;
  }

  /**
   * Appends this worker's pid to {@code runLog} (one line per run), then spins for two minutes
   * ignoring interrupts: only a forced cancel stops it.
   */
  public static long spinIgnoringInterrupts(String runLog) throws IOException {
    long pid = ProcessHandle.current().pid();
    Files.writeString(Path.of(runLog), pid + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    long until = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < until) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException swallowed) {
        // on purpose: this task does not stop when asked
      }
    }
    return pid;
  }

  /** Writes {@code startedFile}, sleeps {@code ms}, then writes {@code doneFile}. */
  public static String sleepThenTouch(String startedFile, long ms, String doneFile) throws Exception {
    Files.writeString(Path.of(startedFile), Long.toString(ProcessHandle.current().pid()));
    Thread.sleep(ms);
    return touch(doneFile);
  }

  /** Submits {@link #sleepThenTouch} as a child and waits for it (lending its CPU while it waits). */
  public static String parentOf(String childStarted, long childMs, String childDone) {
    return JRay.get(JRay.task(CancelTasks::sleepThenTouch, childStarted, childMs, childDone).remote());
  }

  /** Cancels, from this worker (a borrower of the ref), the task making the first ref. */
  public static String cancelFirst(List<ObjectRef<Long>> refs) {
    JRay.cancel(refs.get(0));
    return "cancelled";
  }
}
