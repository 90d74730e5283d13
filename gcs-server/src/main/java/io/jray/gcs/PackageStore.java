package io.jray.gcs;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.jray.proto.GetPackageChunkReply;
import io.jray.proto.PackageChunk;
import io.jray.proto.UploadPackageReply;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jobs' code, stored by the SHA-256 of its bytes so the same jar is kept once however many jobs
 * ship it. An upload is staged under its own key prefix while it arrives and becomes visible only
 * when its size and hash check out (then a meta key names the staged chunks); a rejected or broken
 * upload leaves nothing behind.
 *
 * <p>Runs on gRPC threads, not the GCS loop: uploads are large and RocksDB takes concurrent
 * writers. Publishing a package (the meta key) is serialized on this object.
 */
final class PackageStore {
  /** Every chunk of an upload but the last carries exactly this much. */
  static final int CHUNK_BYTES = 1 << 20;
  private static final Logger LOG = LoggerFactory.getLogger(PackageStore.class);
  private static final HexFormat HEX = HexFormat.of();

  private final GcsStorage storage;
  private final long maxBytes;

  PackageStore(GcsStorage storage, long maxBytes) {
    this.storage = storage;
    this.maxBytes = maxBytes;
  }

  /** Where a stored package's chunks are, or null. */
  private record Meta(long size, int chunks, String upload) {
    byte[] encode() {
      return (size + "," + chunks + "," + upload).getBytes(StandardCharsets.UTF_8);
    }

    static Meta decode(byte[] b) {
      String[] f = new String(b, StandardCharsets.UTF_8).split(",");
      return new Meta(Long.parseLong(f[0]), Integer.parseInt(f[1]), f[2]);
    }
  }

  static boolean isSha256(String s) {
    return s.length() == 64 && s.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  }

  boolean has(String sha256) {
    return meta(sha256) != null;
  }

  private Meta meta(String sha256) {
    byte[] b = storage.get(GcsStorage.Table.PACKAGES, metaKey(sha256));
    return b == null ? null : Meta.decode(b);
  }

  GetPackageChunkReply chunk(String sha256, int index) {
    Meta m = meta(sha256);
    if (m == null) {
      throw Status.NOT_FOUND.withDescription("no package " + sha256 + " in GCS (was the GCS storage wiped"
          + " since the job started?)").asRuntimeException();
    }
    if (index < 0 || index >= Math.max(1, m.chunks)) {
      throw Status.INVALID_ARGUMENT.withDescription("package " + sha256 + " has " + m.chunks + " chunks; asked for "
          + index).asRuntimeException();
    }
    byte[] data = m.chunks == 0 ? new byte[0] : storage.get(GcsStorage.Table.PACKAGES, chunkKey(m.upload, index));
    if (data == null) {
      throw Status.DATA_LOSS.withDescription("package " + sha256 + " lost chunk " + index).asRuntimeException();
    }
    return GetPackageChunkReply.newBuilder().setSize(m.size).setChunks(m.chunks)
        .setData(com.google.protobuf.UnsafeByteOperations.unsafeWrap(data)).build();
  }

  StreamObserver<PackageChunk> upload(StreamObserver<UploadPackageReply> reply) {
    return new Upload(reply);
  }

  private static byte[] metaKey(String sha256) {
    return ("m/" + sha256).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] chunkKey(String upload, int index) {
    return ("c/" + upload + "/" + String.format("%08d", index)).getBytes(StandardCharsets.UTF_8);
  }

  /** One client stream: checks each message, stages its data, publishes it when whole and right. */
  private final class Upload implements StreamObserver<PackageChunk> {
    private final StreamObserver<UploadPackageReply> reply;
    private final String id = UUID.randomUUID().toString();
    private final MessageDigest digest;
    private String sha256;
    private long size = -1;
    private long received;
    private int chunks;
    private boolean failed;

    Upload(StreamObserver<UploadPackageReply> reply) {
      this.reply = reply;
      try {
        digest = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void onNext(PackageChunk c) {
      if (failed) {
        return;
      }
      if (sha256 == null) {
        if (!isSha256(c.getSha256())) {
          fail("sha256 must be 64 lower-case hex digits, got '" + c.getSha256() + "'");
          return;
        }
        if (c.getSize() < 0 || c.getSize() > maxBytes) {
          fail("package " + c.getSha256() + " is " + c.getSize() + " bytes; GCS takes packages of 0.."
              + maxBytes + " bytes (job.code-max-bytes)");
          return;
        }
        sha256 = c.getSha256();
        size = c.getSize();
      }
      int n = c.getData().size();
      if (received + n > size || (received + n < size && n != CHUNK_BYTES)) {
        fail("package " + sha256 + ": chunk " + chunks + " has " + n + " bytes; every chunk but the last must have "
            + CHUNK_BYTES + " and all of them " + size);
        return;
      }
      if (n == 0) {
        return;
      }
      c.getData().asReadOnlyByteBufferList().forEach(b -> digest.update(b.duplicate()));
      storage.put(GcsStorage.Table.PACKAGES, chunkKey(id, chunks), c.getData().toByteArray());
      chunks++;
      received += n;
    }

    @Override
    public void onError(Throwable t) {
      if (!failed) {
        failed = true;
        dropStaged();
        LOG.info("upload of package {} broke off after {} bytes: {}", sha256, received, t.toString());
      }
    }

    @Override
    public void onCompleted() {
      if (failed) {
        return;
      }
      if (sha256 == null) {
        fail("an upload needs at least one message naming the package");
        return;
      }
      if (received != size) {
        fail("package " + sha256 + ": got " + received + " of " + size + " bytes");
        return;
      }
      String actual = HEX.formatHex(digest.digest());
      if (!actual.equals(sha256)) {
        fail("package " + sha256 + ": the bytes sent hash to " + actual);
        return;
      }
      boolean stored;
      synchronized (PackageStore.this) {
        stored = !has(sha256);
        if (stored) {
          storage.put(GcsStorage.Table.PACKAGES, metaKey(sha256), new Meta(size, chunks, id).encode());
        }
      }
      if (!stored) {
        dropStaged(); // a concurrent upload of the same bytes won
      } else {
        LOG.info("stored package {} ({} bytes, {} chunks)", sha256, size, chunks);
      }
      reply.onNext(UploadPackageReply.newBuilder().setStored(stored).build());
      reply.onCompleted();
    }

    private void fail(String why) {
      failed = true;
      dropStaged();
      LOG.warn("rejected a package upload: {}", why);
      reply.onError(Status.INVALID_ARGUMENT.withDescription(why).asRuntimeException());
    }

    private void dropStaged() {
      if (chunks > 0) {
        storage.deleteRange(GcsStorage.Table.PACKAGES, chunkKey(id, 0), chunkKey(id, chunks));
      }
    }
  }
}
