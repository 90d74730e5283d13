package io.jray.raylet;

import io.grpc.StatusRuntimeException;
import io.jray.api.JobId;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.gcs.GcsClient;
import io.jray.proto.GetPackageChunkReply;
import io.jray.proto.JobInfo;
import io.jray.proto.JobPackage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jobs' code on this node: each package a job ships is fetched from GCS once into a cache
 * directory named by its hash, checked against it, and then put on the class path of the job's
 * workers. State of the raylet loop; downloads run on virtual threads and report back.
 *
 * <p>Files appear by an atomic rename of a checked download, so raylets sharing the directory
 * (several nodes on one machine) and a raylet killed mid-download never see a partial jar.
 */
final class JobCodeCache {
  private static final Logger LOG = LoggerFactory.getLogger(JobCodeCache.class);
  private static final HexFormat HEX = HexFormat.of();

  /** Where a job's code stands on this node. */
  sealed interface State permits Ready, Fetching, Failed {}

  record Ready(List<Path> jars) implements State {}

  record Fetching() implements State {}

  record Failed(String why) implements State {}

  private final EventLoop loop;
  private final GcsClient gcs;
  private final Path dir;
  private final Map<JobId, State> jobs = new HashMap<>();

  JobCodeCache(EventLoop loop, GcsClient gcs, Path dir) {
    this.loop = loop;
    this.gcs = gcs;
    this.dir = dir;
  }

  Path dir() {
    return dir;
  }

  /** The job's jars if they are here; else starts fetching them and calls {@code then} when done. */
  State state(JobId job, JobInfo info, Runnable then) {
    State s = jobs.get(job);
    if (s != null) {
      return s;
    }
    List<Path> jars = new ArrayList<>();
    boolean all = true;
    for (JobPackage p : info.getPackagesList()) {
      Path f = file(p);
      jars.add(f);
      all &= Files.isRegularFile(f);
    }
    if (all) {
      s = new Ready(List.copyOf(jars));
      jobs.put(job, s);
      return s;
    }
    jobs.put(job, new Fetching());
    Thread.ofVirtual().name("fetch-code-" + job).start(() -> {
      long t0 = System.nanoTime();
      State done;
      try {
        long bytes = 0;
        for (JobPackage p : info.getPackagesList()) {
          bytes += fetch(p);
        }
        done = new Ready(List.copyOf(jars));
        LOG.info("job {}: fetched its code ({} packages, {} KiB new) in {} ms", job, info.getPackagesCount(),
            bytes / 1024, (System.nanoTime() - t0) / 1_000_000);
      } catch (IOException | RuntimeException e) {
        String why = e instanceof StatusRuntimeException sre ? sre.getStatus().getCode() + ": "
            + sre.getStatus().getDescription() : e.toString();
        done = new Failed("cannot fetch the job's code from GCS into " + dir + ": " + why);
        LOG.error("job {}: {}", job, ((Failed) done).why());
      }
      State result = done;
      loop.execute(() -> {
        jobs.put(job, result);
        then.run();
      });
    });
    return jobs.get(job);
  }

  void forget(JobId job) {
    jobs.remove(job);
  }

  private Path file(JobPackage p) {
    return dir.resolve(p.getSha256() + ".jar");
  }

  /** Downloads one package unless it is here already; returns the bytes fetched. */
  private long fetch(JobPackage p) throws IOException {
    Path target = file(p);
    if (Files.isRegularFile(target)) {
      return 0;
    }
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, p.getSha256(), ".part");
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      long got = 0;
      try (OutputStream out = Files.newOutputStream(tmp)) {
        int chunks = 1;
        for (int i = 0; i < chunks; i++) {
          GetPackageChunkReply r = gcs.packageChunk(p.getSha256(), i);
          chunks = Math.max(1, r.getChunks());
          r.getData().writeTo(out);
          r.getData().asReadOnlyByteBufferList().forEach(md::update);
          got += r.getData().size();
        }
      }
      String actual = HEX.formatHex(md.digest());
      if (got != p.getSize() || !actual.equals(p.getSha256())) {
        throw new IOException("package " + p.getName() + " arrived as " + got + " bytes hashing to " + actual
            + "; expected " + p.getSize() + " bytes hashing to " + p.getSha256());
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      return got;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
