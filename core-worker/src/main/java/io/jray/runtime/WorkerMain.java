package io.jray.runtime;

import io.jray.common.proto.ProtoIds;
import io.jray.api.JRay;
import io.jray.api.JobId;
import io.jray.api.NodeId;
import io.jray.api.WorkerId;
import io.jray.common.gcs.GcsClient;
import io.jray.common.grpc.Rpc;
import io.jray.common.process.MainArgs;
import io.jray.common.session.LogSetup;
import io.jray.common.session.SessionDir;
import io.jray.proto.Address;
import io.jray.proto.NodeManagerServiceGrpc;
import io.jray.proto.RegisterWorkerRequest;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker JVM, started by a raylet for one job. It serves the core worker endpoint, registers
 * with its raylet, then runs whatever tasks owners push to it. It exits when its raylet is gone, and
 * when GCS declares its node dead (a partition that healed: fencing, DESIGN §7).
 */
public final class WorkerMain {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerMain.class);
  /** The exit code of a worker whose node GCS declared dead (fencing). */
  static final int EXIT_NODE_DEAD = 3;

  private WorkerMain() {}

  public static void main(String[] argv) {
    try {
      run(argv);
    } catch (Throwable t) {
      // a worker that cannot start (its raylet gone while it registered, ...) must not linger: its
      // servers' threads would keep the JVM up with nobody to stop it
      LOG.error("worker failed to start; exiting: {}", t.toString(), t);
      System.err.println("worker failed to start: " + t);
      Runtime.getRuntime().halt(1);
    }
  }

  private static void run(String[] argv) throws Exception {
    MainArgs args = MainArgs.parse(argv);
    SessionDir session = SessionDir.open(Path.of(args.required("session-dir")));
    WorkerId workerId = WorkerId.fromHex(args.required("worker-id"));
    LogSetup.toFile(session.logFile("worker-" + workerId.hex()));
    String token = session.clusterToken();
    InetSocketAddress rayletAddr = Rpc.parseAddress(args.required("raylet-address"));
    NodeId nodeId = NodeId.fromHex(args.required("node-id"));
    JobId jobId = JobId.fromHex(args.required("job-id"));
    Address raylet = Address.newBuilder().setHost(rayletAddr.getHostString()).setPort(rayletAddr.getPort())
        .setNodeId(ProtoIds.bytes(nodeId)).build();
    CoreWorker cw = new CoreWorker(false, jobId, nodeId, workerId, raylet, rayletAddr.getHostString(), token);
    JRay.internalSetRuntime(cw);
    Address self = cw.start(token);
    var ch = Rpc.channel(rayletAddr.getHostString(), rayletAddr.getPort(), token);
    var registered = NodeManagerServiceGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS)
        .registerWorker(RegisterWorkerRequest.newBuilder().setWorkerId(ProtoIds.bytes(workerId))
            .setPort(self.getPort()).setPid(ProcessHandle.current().pid()).setJobId(ProtoIds.bytes(jobId))
            .setMetricsPort(cw.metricsPort()).build());
    ch.shutdownNow();
    cw.attachStore(registered.getStore());
    // never closed: the worker lives as long as its JVM
    GcsClient gcs = new GcsClient(args.required("gcs-address"), token);
    cw.attachGcs(gcs);
    cw.ready();
    new DeathSubscription(gcs, cw, "worker-" + workerId, reason -> {
      // Its tasks are retried elsewhere: whatever it would still compute or store must not count.
      // a warning, not an error: a raylet that stops normally also unregisters its node
      LOG.warn("GCS declared node {} dead ({}); worker {} exits with code {}", nodeId, reason, workerId,
          EXIT_NODE_DEAD);
      Thread.ofPlatform().name("worker-fence").start(() -> System.exit(EXIT_NODE_DEAD));
    });
    LOG.info("worker {} of job {} registered with raylet {}", workerId, jobId, args.required("raylet-address"));
    long rayletPid = Long.parseLong(args.required("raylet-pid"));
    // A worker without its raylet is an orphan: nobody can lease it, nobody will stop it.
    while (true) {
      Thread.sleep(1000);
      if (!ProcessHandle.of(rayletPid).map(ProcessHandle::isAlive).orElse(false)) {
        LOG.warn("raylet pid {} is gone; worker {} exits", rayletPid, workerId);
        System.exit(0);
      }
    }
  }
}
