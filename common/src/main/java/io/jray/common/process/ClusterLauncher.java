package io.jray.common.process;

import io.jray.common.config.JRayConfig;
import io.jray.common.session.SessionDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Starts GCS and raylet processes the way {@code jray start}, {@code JRay.init()} without a
 * cluster, and the integration tests all do: same main classes, same flags, same session layout.
 * A started process reports its port through a ready file; the launcher waits for it and, if the
 * process dies first, fails with the tail of that process's log.
 */
public final class ClusterLauncher {
  public static final String GCS_MAIN = "io.jray.gcs.GcsServerMain";
  public static final String RAYLET_MAIN = "io.jray.raylet.RayletMain";
  public static final String GCS_SUPERVISOR_MAIN = "io.jray.gcs.GcsSupervisorMain";
  /** In the driver module (it needs YAML and the providers); started by name like the others. */
  public static final String AUTOSCALER_MAIN = "io.jray.autoscaler.AutoscalerMain";
  /**
   * GCS's JVM: its tables are small, and a serial collector keeps its pauses short on a shared
   * head. The task event store is a FIFO of up to 100,000 tasks that lives about a second under
   * load: a young generation that outlasts it lets most records die young instead of being copied
   * between survivor spaces at every collection (measured: GC took 30 % of a core at 60k tasks/s
   * with the default sizing).
   */
  public static List<String> gcsJvm() {
    List<String> jvm = new ArrayList<>(List.of("-Xmx768m", "-Xmn320m", "-XX:+UseSerialGC"));
    jvm.addAll(extraOptions(JRayConfig.GCS_JVM_OPTIONS));
    return jvm;
  }
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  /** The extra JVM options a {@code *.jvm-options} key holds (space separated), none when blank. */
  private static List<String> extraOptions(JRayConfig.Key key) {
    String extra = JRayConfig.get(key).trim();
    return extra.isEmpty() ? List.of() : Arrays.asList(extra.split("\\s+"));
  }

  private ClusterLauncher() {}

  /** A started JRay process and what it reported when ready. */
  public record Started(String name, Process process, Map<String, String> ready) {
    public long pid() {
      return process.pid();
    }

    public int port() {
      return Integer.parseInt(ready.get("port"));
    }
  }

  /** A GCS of its own (no supervisor: the JVM that owns the cluster owns its life), storage in the session. */
  public static Started startGcs(SessionDir session, int port) {
    Path ready = session.path().resolve("ready").resolve("gcs");
    List<String> args = List.of("--port", Integer.toString(port), "--session-dir", session.path().toString(),
        "--ready-file", ready.toString());
    Started s = launch(session, "gcs", GCS_MAIN, gcsJvm(), args, ready);
    session.writeGcsAddress("127.0.0.1:" + s.port());
    return s;
  }

  /**
   * A GCS under a supervisor that restarts it on the same port and storage when it dies (a head
   * node's, DESIGN §7). The returned process is the supervisor (stopping it stops the GCS); the
   * GCS's own pid is in {@code ready().get("pid")} at first and in the session's {@code gcs} pid
   * file after every restart. {@code storageDir} null: {@code <session>/gcs-storage}.
   */
  public static Started startSupervisedGcs(SessionDir session, int port, Path storageDir) {
    Path ready = session.path().resolve("ready").resolve("gcs");
    List<String> args = new ArrayList<>(List.of("--port", Integer.toString(port), "--session-dir",
        session.path().toString(), "--ready-file", ready.toString()));
    if (storageDir != null) {
      args.addAll(List.of("--storage-dir", storageDir.toAbsolutePath().toString()));
    }
    Started s = launch(session, "gcs-supervisor", GCS_SUPERVISOR_MAIN, List.of("-Xmx64m", "-XX:+UseSerialGC"), args,
        ready);
    session.writeGcsAddress("127.0.0.1:" + s.port());
    return s;
  }

  /**
   * The head's autoscaler process for the cluster file {@code config}, beside GCS at
   * {@code gcsAddress}. It launches and stops worker nodes of the same session.
   */
  public static Started startAutoscaler(SessionDir session, String gcsAddress, Path config) {
    Path ready = session.path().resolve("ready").resolve("autoscaler");
    List<String> args = List.of("--config", config.toAbsolutePath().toString(), "--gcs-address", gcsAddress,
        "--session-dir", session.path().toString(), "--ready-file", ready.toString());
    return launch(session, "autoscaler", AUTOSCALER_MAIN, List.of("-Xmx256m", "-XX:+UseSerialGC"), args, ready);
  }

  public static Started startRaylet(SessionDir session, String name, String gcsAddress, NodeOptions node,
      boolean head) {
    return startRaylet(session, name, gcsAddress, node, head, List.of());
  }

  /**
   * A raylet started under {@code wrapper}, a command that execs into the JVM's command line: the
   * tests run nodes in network namespaces of their own with {@code ip netns exec NS}. The workers
   * it starts inherit what the wrapper set up.
   */
  public static Started startRaylet(SessionDir session, String name, String gcsAddress, NodeOptions node,
      boolean head, List<String> wrapper) {
    Path ready = session.path().resolve("ready").resolve(name);
    List<String> args = new ArrayList<>(List.of("--gcs-address", gcsAddress, "--session-dir",
        session.path().toString(), "--ready-file", ready.toString(), "--name", name, "--host", node.host()));
    if (node.numCpus() != null) {
      args.addAll(List.of("--num-cpus", Double.toString(node.numCpus())));
    }
    if (!node.resources().isEmpty()) {
      args.addAll(List.of("--resources", ResourceSpec.format(node.resources())));
    }
    if (node.objectStoreMemory() > 0) {
      args.addAll(List.of("--object-store-memory", Long.toString(node.objectStoreMemory())));
    }
    if (node.objectStoreDir() != null) {
      args.addAll(List.of("--object-store-dir", node.objectStoreDir()));
    }
    if (node.spillDir() != null) {
      args.addAll(List.of("--spill-dir", node.spillDir()));
    }
    if (head) {
      args.add("--head");
    }
    List<String> jvm = new ArrayList<>(List.of("-Xmx" + JRayConfig.get(JRayConfig.RAYLET_HEAP), "-XX:+UseSerialGC"));
    jvm.addAll(extraOptions(JRayConfig.RAYLET_JVM_OPTIONS));
    return launch(session, name, wrapper, RAYLET_MAIN, jvm, args, ready, RAYLET_ENV);
  }

  /**
   * glibc keeps freed native memory for reuse instead of handing it back to the kernel. A raylet
   * moving an object churns netty's direct buffer chunks (MiBs each, freed as soon as a chunk reply
   * is sent or consumed); returned pages come back as fresh ones, and where the kernel passes free
   * memory on to a hypervisor (free page reporting) each fresh page costs a host fault: first
   * touch ran at 0.1-0.3 GB/s on the benchmark VM, and a 1 GiB pull took 2.4-3.9 s instead of
   * 1.3-1.6 s. A value set by the user wins.
   */
  private static final Map<String, String> RAYLET_ENV = System.getenv("GLIBC_TUNABLES") != null ? Map.of()
      : Map.of("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=2147483648");

  private static Map<String, String> env(SessionDir session, Map<String, String> extra) {
    Map<String, String> env = new java.util.HashMap<>(extra);
    env.put("JRAY_AUTH_TOKEN", session.token());
    return env;
  }

  private static Started launch(SessionDir session, String name, String main, List<String> jvm, List<String> args,
      Path readyFile) {
    return launch(session, name, List.of(), main, jvm, args, readyFile, Map.of());
  }

  private static Started launch(SessionDir session, String name, List<String> wrapper, String main, List<String> jvm,
      List<String> args, Path readyFile, Map<String, String> extraEnv) {
    try {
      Files.createDirectories(readyFile.getParent());
      Files.deleteIfExists(readyFile);
    } catch (IOException e) {
      throw new IllegalStateException("cannot prepare " + readyFile + ": " + e.getMessage(), e);
    }
    Path out = session.logs().resolve(name + ".out");
    Process p = JvmLauncher.launch(wrapper, main, jvm, System.getProperty("java.class.path"), args, out,
        env(session, extraEnv));
    PidFiles.write(session, name, p.pid());
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<Map<String, String>> ready = ReadyFile.read(readyFile);
      if (ready.isPresent()) {
        return new Started(name, p, ready.get());
      }
      if (!p.isAlive()) {
        throw new IllegalStateException(name + " (pid " + p.pid() + ") exited with code " + p.exitValue()
            + " before it was ready. Its output (" + out + "):\n" + LogTail.of(out, 30)
            + "\nIts log: " + session.logFile(name));
      }
      sleep(20);
    }
    p.destroyForcibly();
    throw new IllegalStateException(name + " did not become ready within " + READY_TIMEOUT.toSeconds()
        + " s; see " + session.logFile(name) + " and " + out);
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a JRay process", e);
    }
  }
}
