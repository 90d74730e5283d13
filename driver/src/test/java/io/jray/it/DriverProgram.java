package io.jray.it;

import io.jray.api.JRay;

/**
 * A driver in its own JVM for {@link DriverLifecycleIT}: connects through JRAY_ADDRESS and
 * JRAY_AUTH_TOKEN, runs a task so the job has workers, puts a large object, prints its job id, then either shuts down
 * ({@code exit}), hangs until killed ({@code hang}), or shuts down and then hangs ({@code linger}).
 */
public final class DriverProgram {
  private DriverProgram() {}

  public static void main(String[] args) throws Exception {
    JRay.init();
    int v = JRay.task(TestTasks::noop, 41).remote().get();
    // a stored object owned by this driver, held while it runs: its raylet frees it when it dies
    io.jray.api.ObjectRef<byte[]> held = JRay.put(new byte[DriverLifecycleIT.HELD_BYTES]);
    System.out.println("RUNNING job=" + JRay.runtimeContext().jobId().hex() + " value=" + v);
    System.out.flush();
    if (args.length > 0 && (args[0].equals("exit") || args[0].equals("linger"))) {
      JRay.shutdown();
      System.out.println("SHUTDOWN");
      if (args[0].equals("exit")) {
        return;
      }
    }
    Thread.sleep(Long.MAX_VALUE);
    System.out.println(held);
  }
}
