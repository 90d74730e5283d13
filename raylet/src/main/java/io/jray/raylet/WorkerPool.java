package io.jray.raylet;

import io.jray.api.JobId;
import io.jray.api.WorkerId;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.config.JRayConfig;
import io.jray.common.process.JvmLauncher;
import io.jray.common.process.PidFiles;
import io.jray.proto.JobInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Worker JVMs of this node, per job: starts them with JRay's and the job's class path, hands out idle ones,
 * notices when one exits, and stops a job's workers when the job ends. State of the raylet loop;
 * process starts and kills run on virtual threads and report back.
 */
final class WorkerPool {
  static final String WORKER_MAIN = "io.jray.runtime.WorkerMain";
  private static final Logger LOG = LoggerFactory.getLogger(WorkerPool.class);

  private final EventLoop loop;
  private final NodeContext node;
  private final JobDirectory jobs;
  private final JobCodeCache code;
  private final Consumer<WorkerProcess> onExit;
  private final Runnable onIdle;
  private final BiConsumer<JobId, String> onCodeFailed;
  private final Map<WorkerId, WorkerProcess> workers = new LinkedHashMap<>();
  private long started;

  WorkerPool(EventLoop loop, NodeContext node, JobDirectory jobs, JobCodeCache code, Consumer<WorkerProcess> onExit,
      Runnable onIdle, BiConsumer<JobId, String> onCodeFailed) {
    this.loop = loop;
    this.node = node;
    this.jobs = jobs;
    this.code = code;
    this.onExit = onExit;
    this.onIdle = onIdle;
    this.onCodeFailed = onCodeFailed;
    long idleKillMs = JRayConfig.getLong(JRayConfig.WORKER_IDLE_KILL_MS);
    loop.every(() -> stopIdleAbove(Math.max(1, (int) Math.ceil(node.numCpus())), idleKillMs), 1000);
  }

  /** An idle worker of {@code job}, now leased out, or null. */
  WorkerProcess popIdle(JobId job) {
    for (WorkerProcess w : workers.values()) {
      if (w.state == WorkerProcess.State.IDLE && w.jobId.equals(job)) {
        w.state = WorkerProcess.State.LEASED;
        return w;
      }
    }
    return null;
  }

  int starting(JobId job) {
    int n = 0;
    for (WorkerProcess w : workers.values()) {
      if (w.state == WorkerProcess.State.STARTING && w.jobId.equals(job)) {
        n++;
      }
    }
    return n;
  }

  int startingTotal() {
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
  void start(JobId job) {
    JobInfo info = jobs.get(job);
    if (info == null) {
      jobs.fetch(job, () -> onIdle.run());
      return;
    }
    if (info.getState() == JobInfo.State.FINISHED) {
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
    List<String> args = List.of("--raylet-address", node.rayletAddress(), "--gcs-address", node.gcsAddress(),
        "--node-id", node.nodeId().hex(), "--worker-id", id.hex(), "--job-id", job.hex(),
        "--session-dir", node.session().path().toString(), "--raylet-pid", Long.toString(ProcessHandle.current().pid()));
    String name = "worker-" + id.hex();
    Process p;
    try {
      p = JvmLauncher.launch(WORKER_MAIN, jvm, String.join(java.io.File.pathSeparator, classPath), args,
          node.session().logs().resolve(name + ".out"), Map.of("JRAY_AUTH_TOKEN", node.token()));
    } catch (RuntimeException e) {
      LOG.error("job {}: cannot start a worker: {}", job, e.getMessage());
      return;
    }
    started++;
    WorkerProcess w = new WorkerProcess(id, job, p);
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
  boolean registered(WorkerId id, int port, long pid) {
    WorkerProcess w = workers.get(id);
    if (w == null || w.pid() != pid || w.state != WorkerProcess.State.STARTING) {
      return false;
    }
    w.port = port;
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
    for (WorkerProcess w : List.copyOf(workers.values())) {
      if (w.jobId.equals(job)) {
        kill(w, why);
      }
    }
  }

  void killAll() {
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
