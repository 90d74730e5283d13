package io.jray.common.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Every tunable of JRay in one place, with its documented default.
 *
 * <p>A value is looked up as a JVM system property {@code jray.<key>} first (command-line flags of
 * our processes are turned into these), then the environment variable {@code JRAY_<KEY>} (upper
 * case, dots and dashes as underscores), then the default below. README's configuration table
 * lists the same keys; {@link #describe()} prints them.
 */
public final class JRayConfig {

  /** One configuration key with its default and what it means. */
  public record Key(String name, String defaultValue, String meaning) {
    public String envName() {
      return "JRAY_" + name.toUpperCase().replace('.', '_').replace('-', '_');
    }

    public String propertyName() {
      return "jray." + name;
    }
  }

  private static final Map<String, Key> KEYS = new LinkedHashMap<>();

  public static final Key GCS_PORT = key("gcs.port", "6380", "port of the GCS server on the head node");
  public static final Key SESSION_ROOT = key("session.root", "/tmp/jray", "where session directories are made");
  public static final Key ADDRESS = key("address", "", "cluster to connect to (host:port of GCS); empty = local");
  public static final Key NODE_IP_ADDRESS = key("node-ip-address", "127.0.0.1",
      "address other processes reach a driver at (raylets: jray start --node-ip-address)");
  public static final Key AUTH_TOKEN = key("auth.token", "", "cluster token; default: the session's token file");
  public static final Key TLS_CERT = key("tls.cert", "",
      "PEM certificate (chain) this process presents; with tls.key turns TLS on for every server and channel");
  public static final Key TLS_KEY = key("tls.key", "", "PEM PKCS#8 private key of tls.cert (unencrypted)");
  public static final Key TLS_CA = key("tls.ca", "",
      "PEM CA certificate(s): peers are verified against it and must present a certificate too (mutual TLS);"
          + " empty = servers verified against the certificates in tls.cert, clients not asked for one");
  public static final Key GCS_RECONNECT_TIMEOUT_MS = key("gcs.reconnect-timeout-ms", "60000",
      "a call to GCS that finds it unreachable retries (100 ms backoff doubling to 2 s) this long, then fails");
  public static final Key GCS_WORKER_DEATHS_MAX = key("gcs.worker-deaths.max", "10000",
      "worker and driver deaths GCS stores for GetWorkerDeaths; past this the oldest are dropped");
  public static final Key GCS_STORAGE_SYNC = key("gcs.storage-sync", "always",
      "always: every GCS write is fsynced before it is acknowledged (survives a power loss); never: written to the"
      + " WAL only (survives a GCS crash, not a machine crash)");
  public static final Key GCS_RESTART_GRACE_MS = key("gcs.restart-grace-ms", "10000",
      "after a GCS restart, how long raylets have to reconnect before health checks may declare their node DEAD");
  public static final Key GCS_SUPERVISOR_MAX_BACKOFF_MS = key("gcs.supervisor.max-backoff-ms", "30000",
      "a GCS that keeps dying is restarted after 200 ms, doubling up to this; a run of 60 s resets it");
  public static final Key HEALTH_PERIOD_MS =
      key("health-check.period-ms", "1000", "how often GCS probes each raylet");
  public static final Key HEALTH_TIMEOUT_MS =
      key("health-check.timeout-ms", "1000", "how long one probe may take before it counts as missed");
  public static final Key HEALTH_FAILURE_THRESHOLD =
      key("health-check.failure-threshold", "5", "missed probes in a row before a node is marked DEAD");
  public static final Key WORKER_HEAP = key("worker.heap", "512m", "-Xmx of each worker JVM");
  public static final Key RAYLET_HEAP = key("raylet.heap", "1g",
      "-Xmx of each raylet JVM (object transfers pass 8 MiB chunks through it)");
  public static final Key GCS_JVM_OPTIONS = key("gcs.jvm-options", "",
      "extra JVM options for the GCS JVM (space separated; after JRay's own, so they win), e.g. a larger -Xmx");
  public static final Key RAYLET_JVM_OPTIONS =
      key("raylet.jvm-options", "", "extra JVM options for raylet JVMs (space separated), e.g. for profiling");
  public static final Key WORKER_JVM_OPTIONS =
      key("worker.jvm-options", "", "extra JVM options for worker JVMs (space separated)");
  public static final Key WORKER_PRESTART =
      key("worker.prestart", "true", "start one idle worker per CPU when a job registers");
  public static final Key WORKER_START_TIMEOUT_MS =
      key("worker.start-timeout-ms", "60000", "how long a worker JVM may take to register");
  public static final Key WORKER_IDLE_KILL_MS =
      key("worker.idle-kill-ms", "60000",
          "a job's idle workers above the node's CPU count are asked to exit after this (owners of objects decline)");
  public static final Key LEASE_IDLE_MS =
      key("lease.idle-ms", "50", "an owner returns a leased worker after its queue was empty this long");
  public static final Key PUSH_PIPELINE_DEPTH =
      key("push.pipeline-depth", "64", "tasks in flight on one leased worker");
  public static final Key OBJECT_STORE_MEMORY = key("object-store.memory", "0",
      "object store size in bytes per node; 0 = 30% of RAM, at most 80% of what /dev/shm has free");
  public static final Key OBJECT_STORE_DIR = key("object-store.dir", "/dev/shm", "where the arena file is made");
  public static final Key SPILL_DIR = key("object-store.spill-dir", "",
      "where objects spill under memory pressure; empty = <session>/spill/<node>");
  public static final Key SPILL_THRESHOLD = key("object-store.spill-threshold", "0.8",
      "fraction of the store in use above which primary copies are spilled to disk");
  public static final Key INLINE_THRESHOLD = key("object-store.inline-threshold", "102400",
      "objects larger than this many bytes go to the shared-memory store; smaller ones stay inline");
  public static final Key TESTING_STORE_WRITE_DELAY_MS = key("testing.store-write-delay-ms", "0",
      "fault injection for tests: a writer pauses this long halfway through writing an object to the store");
  public static final Key TESTING_GCS_CRASH_AFTER_WRITES = key("testing.gcs-crash-after-writes", "0",
      "fault injection for tests: the GCS process halts (as kill -9 would) right after its Nth storage write");
  public static final Key SCHEDULER_SPREAD_THRESHOLD = key("scheduler.spread-threshold", "0.5",
      "DEFAULT scheduling keeps work local while the node's most used resource is below this share");
  public static final Key RESOURCE_REPORT_MS = key("scheduler.report-ms", "1000",
      "a raylet reports its resources to GCS at least this often (and at most every 100 ms on change)");
  public static final Key OBJECT_CHUNK_BYTES = key("object-manager.chunk-bytes", "8388608",
      "objects move between nodes in chunks of this many bytes");
  public static final Key GRPC_MAX_MESSAGE_BYTES = key("grpc.max-message-bytes", "67108864",
      "largest gRPC message any JRay server or channel accepts (larger ones get RESOURCE_EXHAUSTED); never below"
          + " object-manager.chunk-bytes + 1 MiB");
  public static final Key OBJECT_PULLS_IN_FLIGHT = key("object-manager.chunks-in-flight", "4",
      "chunk requests one pull keeps in flight");
  public static final Key DRIVER_CHECK_MS =
      key("driver.check-ms", "1000", "how often a raylet checks that its drivers are alive");
  public static final Key LINEAGE_MAX_BYTES = key("lineage.max-bytes", "1073741824",
      "an owner keeps the specs of tasks whose results may need re-running up to this many bytes; past it the"
          + " oldest are dropped and those objects cannot be made again");
  public static final Key JOB_CODE_MAX_BYTES = key("job.code-max-bytes", "536870912",
      "most bytes of code (jars, packed class directories) a driver ships per job; GCS takes no larger package");
  public static final Key JOB_CODE_CACHE_DIR = key("job.code-cache-dir", "",
      "where raylets keep the jobs' code they fetched from GCS; empty = <session>/packages");
  public static final Key LOG_LEVEL = key("log.level", "INFO", "log level of every JRay process");
  // ---- observability (task events, DESIGN §13)
  public static final Key TASK_EVENTS_ENABLED = key("task-events.enabled", "true",
      "core workers report task state transitions to GCS (jray list tasks); false turns them off");
  public static final Key TASK_EVENTS_MAX_RATE = key("task-events.max-rate", "10000",
      "tasks a core worker records events of per second (as Ray, which sends at most 10,000 task events per report"
          + " interval); past it tasks are counted, not recorded, except those that fail; 0 = no limit");
  public static final Key TASK_EVENTS_BUFFER = key("task-events.buffer", "20000",
      "task events a core worker buffers between sends to GCS; past it events are dropped and counted");
  public static final Key TASK_EVENTS_BATCH = key("task-events.batch", "2000",
      "a core worker sends its buffered task events at this many, or every task-events.flush-ms");
  public static final Key TASK_EVENTS_FLUSH_MS = key("task-events.flush-ms", "1000",
      "how often a core worker sends its buffered task events to GCS");
  public static final Key GCS_TASK_EVENTS_MAX = key("gcs.task-events.max", "100000",
      "tasks GCS keeps events of (in memory); past it the oldest task is dropped and counted per job");

  // ---- metrics (Prometheus, DESIGN §13)
  public static final Key METRICS_ENABLED = key("metrics.enabled", "true",
      "every JRay process serves Prometheus metrics over HTTP (GCS lists them at /api/prometheus_sd); false: none");
  public static final Key METRICS_PORT = key("metrics.port", "0",
      "port of a process's metrics endpoint; 0 = any free port (GCS's /api/prometheus_sd lists the ports)");

  public static final Key DASHBOARD_PORT = key("dashboard.port", "8265",
      "port of GCS's HTTP server (/metrics, /api/prometheus_sd); when taken, GCS takes any free port and"
          + " jray status shows it");
  public static final Key DASHBOARD_HOST = key("dashboard.host", "0.0.0.0",
      "address GCS's HTTP server listens on (127.0.0.1: this machine only)");

  // ---- autoscaler (issue 14)
  public static final Key AUTOSCALER_UPDATE_INTERVAL_MS = key("autoscaler.update-interval-ms", "5000",
      "how often the autoscaler looks at the demand and decides launches and terminations (Ray: 5 s)");
  public static final Key AUTOSCALER_LAUNCH_TIMEOUT_MS = key("autoscaler.launch-timeout-ms", "300000",
      "a node the autoscaler launched that has not registered with GCS after this long is terminated");

  private static Key key(String name, String def, String meaning) {
    Key k = new Key(name, def, meaning);
    KEYS.put(name, k);
    return k;
  }

  private JRayConfig() {}

  public static String get(Key key) {
    String v = System.getProperty(key.propertyName());
    if (v == null) {
      v = System.getenv(key.envName());
    }
    return v == null ? key.defaultValue() : v.trim();
  }

  public static int getInt(Key key) {
    String v = get(key);
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "configuration " + key.propertyName() + " (or " + key.envName() + ") must be an integer, got '" + v + "'");
    }
  }

  public static long getLong(Key key) {
    String v = get(key);
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "configuration " + key.propertyName() + " (or " + key.envName() + ") must be a number, got '" + v + "'");
    }
  }

  public static double getDouble(Key key) {
    String v = get(key);
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "configuration " + key.propertyName() + " (or " + key.envName() + ") must be a number, got '" + v + "'");
    }
  }

  public static boolean getBoolean(Key key) {
    return Boolean.parseBoolean(get(key));
  }

  /** Every key, for docs and {@code jray config}. */
  public static Map<String, Key> keys() {
    return Map.copyOf(KEYS);
  }

  /** A table of every key, its environment variable, default and meaning. */
  public static String describe() {
    StringBuilder sb = new StringBuilder();
    for (Key k : KEYS.values()) {
      sb.append(String.format("%-34s %-38s %-10s %s%n", k.propertyName(), k.envName(),
          k.defaultValue().isEmpty() ? "(empty)" : k.defaultValue(), k.meaning()));
    }
    return sb.toString();
  }

  /** Forwards every explicitly set key as {@code -Djray.*} flags to a child JVM. */
  public static java.util.List<String> childJvmProperties() {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (Key k : KEYS.values()) {
      String v = System.getProperty(k.propertyName());
      if (v != null && !Objects.equals(k, AUTH_TOKEN)) {
        out.add("-D" + k.propertyName() + "=" + v);
      }
    }
    return out;
  }
}
