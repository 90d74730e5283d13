package io.jray.common.gcs;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.jray.proto.GcsServiceGrpc;
import io.jray.proto.PackageChunk;
import io.jray.proto.UploadPackageReply;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One {@code UploadPackage} stream: the package's bytes in {@link GcsClient#PACKAGE_CHUNK_BYTES}
 * chunks, sent only as fast as the stream takes them, so a 500 MiB jar never sits in the heap at
 * once.
 *
 * <p>Threads: the calling thread reads and sends, waiting on {@link #ready} while the stream is
 * not ready; gRPC's threads only signal it (the on-ready handler, the reply, an error).
 */
final class PackageSender {
  private static final long REPLY_TIMEOUT_S = 60;
  private final Object ready = new Object();

  private PackageSender() {}

  /**
   * Sends one package and returns GCS's reply; a failed stream throws its status, and a source
   * that cannot be read throws its IOException after cancelling the stream.
   */
  static UploadPackageReply send(GcsServiceGrpc.GcsServiceStub stub, String sha256, long size, InputStream in)
      throws IOException {
    return new PackageSender().run(stub, sha256, size, in);
  }

  private UploadPackageReply run(GcsServiceGrpc.GcsServiceStub stub, String sha256, long size, InputStream in)
      throws IOException {
    CompletableFuture<UploadPackageReply> done = new CompletableFuture<>();
    CompletableFuture<ClientCallStreamObserver<PackageChunk>> started = new CompletableFuture<>();
    stub.uploadPackage(new ClientResponseObserver<PackageChunk, UploadPackageReply>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<PackageChunk> s) {
        s.setOnReadyHandler(this::wake);
        started.complete(s);
      }

      @Override
      public void onNext(UploadPackageReply r) {
        done.complete(r);
      }

      @Override
      public void onError(Throwable t) {
        done.completeExceptionally(t);
        wake();
      }

      @Override
      public void onCompleted() {}

      private void wake() {
        synchronized (ready) {
          ready.notifyAll();
        }
      }
    });
    ClientCallStreamObserver<PackageChunk> out = started.join();
    try {
      boolean first = true;
      byte[] buf = new byte[GcsClient.PACKAGE_CHUNK_BYTES];
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
          c.setSha256(sha256).setSize(size);
          first = false;
        }
        out.onNext(c.build());
        if (n < buf.length) {
          break;
        }
      }
      out.onCompleted();
      return done.get(REPLY_TIMEOUT_S, TimeUnit.SECONDS);
    } catch (IOException e) {
      out.cancel("cannot read the package", e);
      throw e;
    } catch (InterruptedException e) {
      out.cancel("interrupted", e);
      Thread.currentThread().interrupt();
      throw Status.CANCELLED.withDescription("interrupted while uploading package " + sha256).withCause(e)
          .asRuntimeException();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof StatusRuntimeException s ? s
          : Status.fromThrowable(e.getCause()).asRuntimeException();
    } catch (TimeoutException e) {
      out.cancel("no reply", e);
      throw Status.DEADLINE_EXCEEDED.withDescription("GCS did not answer the upload of package " + sha256 + " within "
          + REPLY_TIMEOUT_S + " s").asRuntimeException();
    }
  }
}
