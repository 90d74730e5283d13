package io.jray.runtime;

import io.grpc.StatusRuntimeException;
import io.jray.common.gcs.GcsClient;
import io.jray.common.gcs.GcsUnavailableException;
import io.jray.proto.JobPackage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a job's code into GCS: asks which packages GCS lacks and uploads those
 * ({@link GcsClient#uploadPackage} streams them in chunks, as fast as the stream takes them).
 *
 * <p>Threads: runs on the thread of {@code JRay.init}, blocking it until the code is in GCS.
 */
final class PackageUpload {
  private static final Logger LOG = LoggerFactory.getLogger(PackageUpload.class);

  private PackageUpload() {}

  /** Uploads what GCS lacks and returns the job's package list, in class path order. */
  static List<JobPackage> run(GcsClient gcs, JobCode code) {
    List<JobPackage> packages = new ArrayList<>();
    for (JobCode.Entry e : code.entries()) {
      packages.add(JobPackage.newBuilder().setName(e.name()).setSha256(e.sha256()).setSize(e.size()).build());
    }
    if (packages.isEmpty()) {
      return packages;
    }
    Set<String> missing = gcs.findMissingPackages(packages.stream().map(JobPackage::getSha256).toList());
    long t0 = System.nanoTime();
    long sent = 0;
    for (JobCode.Entry e : code.entries()) {
      if (missing.remove(e.sha256())) {
        upload(gcs, e);
        sent += e.size();
      }
    }
    LOG.info("job code: {} packages ({} KiB), {} KiB uploaded in {} ms", packages.size(), code.totalBytes() / 1024,
        sent / 1024, (System.nanoTime() - t0) / 1_000_000);
    return packages;
  }

  private static void upload(GcsClient gcs, JobCode.Entry e) {
    try {
      gcs.uploadPackage(e.sha256(), e.size(), e::open);
    } catch (IOException x) {
      throw new UncheckedIOException("cannot read " + e.name() + " to ship it with the job: " + x.getMessage(), x);
    } catch (StatusRuntimeException x) {
      throw notTaken(e, x.getStatus().getCode() + ": " + x.getStatus().getDescription(), x);
    } catch (GcsUnavailableException x) {
      throw notTaken(e, x.getMessage(), x);
    }
  }

  private static IllegalStateException notTaken(JobCode.Entry e, String why, RuntimeException cause) {
    return new IllegalStateException("GCS did not take " + e.name() + " (" + e.size() + " bytes) of the job's"
        + " code: " + why, cause);
  }
}
