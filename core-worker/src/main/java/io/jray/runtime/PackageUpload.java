package io.jray.runtime;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.jray.common.gcs.GcsClient;
import io.jray.proto.FindMissingPackagesRequest;
import io.jray.proto.JobPackage;
import io.jray.proto.PackageChunk;
import io.jray.proto.UploadPackageReply;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a job's code into GCS: asks which packages GCS lacks and streams those in 1 MiB chunks,
 * sending only as fast as the stream takes them (a 500 MiB jar never sits in the heap at once).
 */
final class PackageUpload {
  private static final Logger LOG = LoggerFactory.getLogger(PackageUpload.class);
  /** Must match GCS's PackageStore chunk size: every chunk but the last is this long. */
  static final int CHUNK_BYTES = 1 << 20;

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
    Set<String> missing = new HashSet<>(gcs.blocking().withDeadlineAfter(30, TimeUnit.SECONDS).findMissingPackages(
        FindMissingPackagesRequest.newBuilder().addAllSha256(packages.stream().map(JobPackage::getSha256).toList())
            .build()).getMissingList());
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
    CompletableFuture<UploadPackageReply> done = new CompletableFuture<>();
    Object ready = new Object();
    CompletableFuture<ClientCallStreamObserver<PackageChunk>> started = new CompletableFuture<>();
    gcs.async().uploadPackage(new ClientResponseObserver<PackageChunk, UploadPackageReply>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<PackageChunk> s) {
        s.setOnReadyHandler(() -> {
          synchronized (ready) {
            ready.notifyAll();
          }
        });
        started.complete(s);
      }

      @Override
      public void onNext(UploadPackageReply r) {
        done.complete(r);
      }

      @Override
      public void onError(Throwable t) {
        done.completeExceptionally(t);
        synchronized (ready) {
          ready.notifyAll();
        }
      }

      @Override
      public void onCompleted() {}
    });
    ClientCallStreamObserver<PackageChunk> out = started.join();
    try (InputStream in = e.open()) {
      boolean first = true;
      byte[] buf = new byte[CHUNK_BYTES];
      while (!done.isDone()) {
        int n = in.readNBytes(buf, 0, buf.length);
        if (n == 0 && !first) {
          break;
        }
        synchronized (ready) {
          while (!out.isReady() && !done.isDone()) {
            ready.wait(100);
          }
        }
        PackageChunk.Builder c = PackageChunk.newBuilder().setData(ByteString.copyFrom(buf, 0, n));
        if (first) {
          c.setSha256(e.sha256()).setSize(e.size());
          first = false;
        }
        out.onNext(c.build());
        if (n < buf.length) {
          break;
        }
      }
      out.onCompleted();
      done.get(60, TimeUnit.SECONDS);
    } catch (IOException x) {
      out.cancel("cannot read " + e.name(), x);
      throw new UncheckedIOException("cannot read " + e.name() + " to ship it with the job: " + x.getMessage(), x);
    } catch (InterruptedException x) {
      out.cancel("interrupted", x);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while uploading the job's code", x);
    } catch (ExecutionException | java.util.concurrent.TimeoutException x) {
      Throwable cause = x.getCause() == null ? x : x.getCause();
      String why = cause instanceof StatusRuntimeException s ? s.getStatus().getCode() + ": "
          + s.getStatus().getDescription() : cause.toString();
      throw new IllegalStateException("GCS did not take " + e.name() + " (" + e.size() + " bytes) of the job's"
          + " code: " + why, cause);
    }
  }
}
