package io.jray.raylet;

import io.jray.common.proto.ProtoIds;
import io.jray.api.JobId;
import io.jray.api.WorkerId;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.config.JRayConfig;
import io.jray.common.process.JvmLauncher;
import io.jray.common.process.PidFiles;
import io.jray.proto.JobInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Worker JVMs of this node, per job: starts them with JRay's and the job's class path, hands out idle ones,
 * notices when one exits, and stops a job's workers when the job ends. It also holds the policy of
 * starting: how many workers to start for the requests waiting for one, how many may start at once,
 * what to prestart for a new job or driver, and how many idle ones each job keeps warm.
 *
 * <p>Threads: every field and every {@link WorkerProcess} is state of {@code raylet-loop}. Process
 * starts ({@code ProcessBuilder.start}) run on it too; waits for killed workers run on virtual
 * threads; exits, timeouts and {@code Exit} answers hop back onto the loop.
 */
final class WorkerPool {
  static final String WORKER_MAIN = "io.jray.runtime.WorkerMain";
  private static final Logger LOG = LoggerFactory.getLogger(WorkerPool.class);

  /** What it takes to start one worker JVM; the launcher turns it into a process. */
  record Launch(WorkerId id, JobId job, List<String> jvmOptions, String classPath, List<String> args, Path log,
      Map<String, String> env) {}

  /**
   * Workers that can serve the same requests: one job's, started with the same extra JVM options.
   * {@code outlivesJob}: for a detached actor, which may need a worker (a restart) after its job
   * ended; it does not tell workers apart.
   */
  record Kind(JobId job, List<String> jvmOptions, boolean outlivesJob) {
    Kind(JobId job, List<String> jvmOptions) {
      this(job, jvmOptions, false);
    }

    static Kind of(JobId job) {
      return new Kind(job, List.of());
    }
  }

  /** The launcher of a real raylet: forks the worker JVM. */
  static Process fork(Launch l) {
    return JvmLauncher.launch(WORKER_MAIN, l.jvmOptions(), l.classPath(), l.args(), l.log(), l.env());
  }

  private final EventLoop loop;
  private final NodeContext node;
  private final JobDirectory jobs;
  private final JobCodeCache code;
  private final Consumer<WorkerProcess> onExit;
  private final Runnable onIdle;
  private final BiConsumer<JobId, String> onCodeFailed;
  /** The boundary to the OS: {@link #fork} in a raylet, a recorder in a test. */
  private final Function<Launch, Process> launcher;
  private final Map<WorkerId, WorkerProcess> workers = new LinkedHashMap<>();
  private long started;

  WorkerPool(EventLoop loop, NodeContext node, JobDirectory jobs, JobCodeCache code, Consumer<WorkerProcess> onExit,
      Runnable onIdle, BiConsumer<JobId, String> onCodeFailed, Function<Launch, Process> launcher) {
    this.loop = loop;
    this.launcher = launcher;
    this.node = node;
    this.jobs = jobs;
    this.code = code;
    this.onExit = onExit;
    this.onIdle = onIdle;
    this.onCodeFailed = onCodeFailed;
    long idleKillMs = JRayConfig.getLong(JRayConfig.WORKER_IDLE_KILL_MS);
    loop.every(() -> stopIdleAbove(Math.max(1, (int) Math.ceil(node.numCpus())), idleKillMs), 1000);
  }

  /** An idle worker of that kind, now leased out, or null. */
  WorkerProcess popIdle(Kind kind) {
    assert loop.inLoop();
    for (WorkerProcess w : workers.values()) {
      if (w.state == WorkerProcess.State.IDLE && w.jobId.equals(kind.job()) && w.jvmOptions.equals(kind.jvmOptions())) {
        w.state = WorkerProcess.State.LEASED;
        return w;
      }
    }
    return null;
  }

  /**
   * Starts workers for requests that wait for nothing but a worker: {@code waiting} counts them per
   * job. Those already starting for the job count against it. At most max(2, CPUs) workers start
   * on the node at once: a burst of requests must not fork more JVMs than the node can start.
   */
  void startFor(Map<Kind, Integer> waiting) {
    assert loop.inLoop();
    int maxStarting = Math.max(2, (int) Math.ceil(node.numCpus()));
    for (var e : waiting.entrySet()) {
      int toStart = e.getValue() - starting(e.getKey());
      while (toStart-- > 0 && startingTotal() < maxStarting) {
        int before = startingTotal();
        start(e.getKey());
        if (startingTotal() == before) {
          break; // the job's class path is being fetched
        }
      }
    }
  }

  /**
   * A driver connected here: its job gets one warm worker per CPU (at least one), so its first
   * tasks do not each wait seconds for a JVM to start.
   */
  void prestartForDriver(JobId job) {
    assert loop.inLoop();
    if (!JRayConfig.getBoolean(JRayConfig.WORKER_PRESTART)) {
      return;
    }
    int n = (int) Math.max(1, Math.floor(node.numCpus())) - starting(Kind.of(job));
    for (int i = 0; i < n; i++) {
      start(Kind.of(job));
    }
  }

  /**
   * GCS announced a job this node had not heard of. A job that just started with its driver on
   * another node gets one warm worker here: a JVM takes seconds to start, and one warm worker per
   * node makes the first spilled task quick. Older jobs (this raylet joined late) get none.
   */
  void prestartForNewJob(JobInfo j) {
    assert loop.inLoop();
    boolean driverHere = j.getDriverNodeId().equals(ProtoIds.bytes(node.nodeId()));
    if (j.getState() == JobInfo.State.RUNNING && !driverHere && JRayConfig.getBoolean(JRayConfig.WORKER_PRESTART)
        && System.currentTimeMillis() - j.getStartTimeMs() < 60_000) {
      start(Kind.of(ProtoIds.jobId(j.getJobId())));
    }
  }

  private int starting(Kind kind) {
    int n = 0;
    for (WorkerProcess w : workers.values()) {
      if (w.state == WorkerProcess.State.STARTING && w.jobId.equals(kind.job())
          && w.jvmOptions.equals(kind.jvmOptions())) {
        n++;
      }
    }
    return n;
  }

  private int startingTotal() {
    int n = 0;
    for (WorkerProcess w : workers.values()) {
      if (w.state == WorkerProcess.State.STARTING) {
        n++;
      }
    }
    return n;
  }

  /**
   * Starts a worker JVM for {@code job} once the job and its code are here; until then nothing
   * starts and {@code onIdle} runs when they arrive. Workers run JRay's class path (this raylet's)
   * followed by the job's own jars, fetched from GCS into the node's code cache.
   */
  private void start(Kind kind) {
    JobId job = kind.job();
    JobInfo info = jobs.get(job);
    if (info == null) {
      // a request for a job GCS never had would otherwise wait forever
      jobs.fetch(job, () -> onIdle.run(), why -> onCodeFailed.accept(job, why));
      return;
    }
    if (info.getState() == JobInfo.State.FINISHED && !kind.outlivesJob()) {
      return;
    }
    JobCodeCache.State codeState = code.state(job, info, onIdle);
    if (codeState instanceof JobCodeCache.Failed f) {
      onCodeFailed.accept(job, f.why());
      return;
    }
    if (!(codeState instanceof JobCodeCache.Ready ready)) {
      return;
    }
    List<String> classPath = new ArrayList<>(List.of(System.getProperty("java.class.path")));
    ready.jars().forEach(j -> classPath.add(j.toString()));
    WorkerId id = WorkerId.random();
    List<String> jvm = new ArrayList<>();
    jvm.add("-Xmx" + JRayConfig.get(JRayConfig.WORKER_HEAP));
    jvm.add("-XX:+UseSerialGC");
    String extra = JRayConfig.get(JRayConfig.WORKER_JVM_OPTIONS);
    if (!extra.isBlank()) {
      jvm.addAll(Arrays.asList(extra.trim().split("\\s+")));
    }
    jvm.addAll(info.getJvmOptionsList());
    jvm.addAll(kind.jvmOptions());
    List<String> args = List.of("--raylet-address", node.rayletAddress(), "--gcs-address", node.gcsAddress(),
        "--node-id", node.nodeId().hex(), "--worker-id", id.hex(), "--job-id", job.hex(),
        "--session-dir", node.session().path().toString(), "--raylet-pid", Long.toString(ProcessHandle.current().pid()));
    String name = "worker-" + id.hex();
    Process p;
    try {
      p = launcher.apply(new Launch(id, job, jvm, String.join(java.io.File.pathSeparator, classPath), args,
          node.session().logs().resolve(name + ".out"), Map.of("JRAY_AUTH_TOKEN", node.token())));
    } catch (RuntimeException e) {
      LOG.error("job {}: cannot start a worker: {}", job, e.getMessage());
      return;
    }
    started++;
    WorkerProcess w = new WorkerProcess(id, job, p, kind.jvmOptions());
    // a worker for a detached actor of an ended job: stopping the job's workers must spare it
    w.detachedActor = kind.outlivesJob() && info.getState() == JobInfo.State.FINISHED;
    workers.put(id, w);
    PidFiles.write(node.session(), name, p.pid());
    LOG.info("job {}: starting worker {} (pid {})", job, id, p.pid());
    p.onExit().thenRun(() -> loop.execute(() -> exited(w)));
    long timeoutMs = JRayConfig.getLong(JRayConfig.WORKER_START_TIMEOUT_MS);
    loop.schedule(() -> {
      if (w.state == WorkerProcess.State.STARTING) {
        LOG.error("worker {} (pid {}) did not register within {} ms; killing it. See {}", id, p.pid(), timeoutMs,
            node.session().logs().resolve(name + ".out"));
        p.destroyForcibly();
      }
    }, timeoutMs);
  }

  /** The worker's core worker is serving: it can take leases now. */
  boolean registered(WorkerId id, int port, long pid, int metricsPort) {
    assert loop.inLoop();
    WorkerProcess w = workers.get(id);
    if (w == null || w.pid() != pid || w.state != WorkerProcess.State.STARTING) {
      return false;
    }
    w.port = port;
    w.metricsPort = metricsPort;
    markIdle(w);
    LOG.info("worker {} (pid {}, job {}) registered on port {}", id, pid, w.jobId, port);
    return true;
  }

  WorkerProcess get(WorkerId id) {
    return workers.get(id);
  }

  void markIdle(WorkerProcess w) {
    w.state = WorkerProcess.State.IDLE;
    w.lease = null;
    w.idleSinceMs = System.currentTimeMillis();
  }

  void kill(WorkerProcess w, String why) {
    LOG.info("stopping {}: {}", w, why);
    w.process.destroy();
    Thread.ofVirtual().start(() -> {
      try {
        if (!w.process.waitFor(5, TimeUnit.SECONDS)) {
          w.process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        w.process.destroyForcibly();
      }
    });
  }

  void killJob(JobId job, String why) {
    assert loop.inLoop();
    for (WorkerProcess w : List.copyOf(workers.values())) {
      if (w.jobId.equals(job) && !w.detachedActor) {
        kill(w, why);
      }
    }
  }

  void killAll() {
    assert loop.inLoop();
    for (WorkerProcess w : workers.values()) {
      w.process.destroyForcibly();
    }
  }

  private void exited(WorkerProcess w) {
    if (workers.remove(w.id) == null) {
      return;
    }
    PidFiles.remove(node.session(), "worker-" + w.id.hex());
    WorkerProcess.State was = w.state;
    w.state = WorkerProcess.State.DEAD;
    LOG.info("worker {} (pid {}, job {}) exited with code {} while {}", w.id, w.pid(), w.jobId,
        w.process.exitValue(), was);
    onExit.accept(w);
  }

  /**
   * Stops workers idle for longer than {@code idleMs} beyond {@code keep} idle ones per job. Per
   * job, not per node: with several jobs sharing the node, a count per node killed one job's warm
   * workers whenever its leases happened to be elsewhere for a while, and restarting them (a JVM
   * start plus JIT warm-up, seconds of CPU each) cost 4 drivers over half their throughput. A
   * finished job's workers are stopped when it ends.
   */
  private void stopIdleAbove(int keep, long idleMs) {
    long now = System.currentTimeMillis();
    Map<JobId, Integer> idle = new java.util.HashMap<>();
    // workers that own objects count first among those kept, so the others are the ones asked
    List<WorkerProcess> candidates = new java.util.ArrayList<>(workers.values());
    candidates.sort(java.util.Comparator.comparing((WorkerProcess w) -> !w.ownsObjects));
    for (WorkerProcess w : candidates) {
      if (w.state == WorkerProcess.State.IDLE) {
        int n = idle.merge(w.jobId, 1, Integer::sum);
        if (n > keep && now - w.idleSinceMs > idleMs) {
          askToExit(w, "idle for " + (now - w.idleSinceMs) + " ms with " + keep + " idle workers of job " + w.jobId
              + " kept");
        }
      }
    }
  }

  /**
   * Asks an idle worker to exit; it declines while it owns objects (they would die with it, as
   * Ray's workers decline too) and is then kept, and asked again after another idle period. One
   * that does not answer is stopped.
   */
  private void askToExit(WorkerProcess w, String why) {
    w.state = WorkerProcess.State.EXITING;
    io.grpc.ManagedChannel ch = io.jray.common.grpc.Rpc.channel(node.host(), w.port, node.token());
    io.jray.proto.CoreWorkerServiceGrpc.newStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS).exit(
        io.jray.proto.ExitRequest.newBuilder().setReason(why).setIfIdle(true).build(),
        new io.grpc.stub.StreamObserver<>() {
          @Override
          public void onNext(io.jray.proto.ExitReply r) {
            loop.execute(() -> {
              if (r.getExiting()) {
                LOG.info("stopping {}: {}", w, why);
              } else if (w.state == WorkerProcess.State.EXITING) {
                LOG.info("keeping {}: {}", w, r.getDeclinedBecause());
                w.ownsObjects = r.getDeclinedBecause().startsWith("owns");
                markIdle(w);
                onIdle.run();
              }
            });
          }

          @Override
          public void onError(Throwable t) {
            ch.shutdownNow();
            loop.execute(() -> {
              if (w.state == WorkerProcess.State.EXITING) {
                kill(w, why + "; it did not answer a request to exit (" + t + ")");
              }
            });
          }

          @Override
          public void onCompleted() {
            ch.shutdownNow();
          }
        });
  }

  List<WorkerProcess> all() {
    return List.copyOf(workers.values());
  }

  long startedCount() {
    return started;
  }
}
