package io.jray.gcs;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.jray.common.gcs.GcsClient;
import io.jray.proto.GetPackageChunkReply;
import io.jray.proto.PackageChunk;
import io.jray.proto.UploadPackageReply;
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
 * <p>Both live in column family {@code packages}: meta keys {@code m/<sha256>} and chunk keys
 * {@code c/<upload id>/<index, 8 digits>}, so the chunks of one upload are one key range.
 *
 * <p>Threads: runs on gRPC threads, not {@code gcs-loop}: uploads are large and RocksDB takes
 * concurrent writers. Each upload touches only its own chunk keys, and its fields only from its
 * stream's callbacks, which gRPC calls one at a time; publishing a package (its meta key) is
 * serialized on this object's monitor so two uploads of the same bytes store it once.
 */
final class PackageStore {
  /** Every chunk of an upload but the last carries exactly this much. */
  static final int CHUNK_BYTES = GcsClient.PACKAGE_CHUNK_BYTES;
  private static final Logger LOG = LoggerFactory.getLogger(PackageStore.class);
  private static final HexFormat HEX = HexFormat.of();

  private final PersistentTable<String, Meta> metas;
  private final PersistentTable<ChunkKey, ByteString> chunks;
  private final long maxBytes;

  PackageStore(GcsStorage storage, long maxBytes) {
    this.metas = new PersistentTable<>(storage, GcsStorage.Table.PACKAGES, "m/", Codec.UTF8, Meta.CODEC);
    this.chunks = new PersistentTable<>(storage, GcsStorage.Table.PACKAGES, "c/", ChunkKey.CODEC, Codec.BYTES);
    this.maxBytes = maxBytes;
  }

  /** Where a stored package's chunks are: which upload staged them, and how many there are. */
  private record Meta(long size, int chunks, String upload) {
    /** Text, {@code size,chunks,upload}: the layout existing storage directories have. */
    static final Codec<Meta> CODEC = new Codec<>() {
      @Override
      public byte[] encode(Meta m) {
        return Codec.UTF8.encode(m.size + "," + m.chunks + "," + m.upload);
      }

      @Override
      public Meta decode(byte[] b) {
        String[] f = Codec.UTF8.decode(b).split(",");
        if (f.length != 3) {
          throw new IllegalArgumentException("a package meta record has 3 fields, got " + f.length);
        }
        return new Meta(Long.parseLong(f[0]), Integer.parseInt(f[1]), f[2]);
      }
    };
  }

  /** One staged chunk; keys sort by upload, then index (zero-padded so byte order is numeric). */
  private record ChunkKey(String upload, int index) {
    static final Codec<ChunkKey> CODEC = new Codec<>() {
      @Override
      public byte[] encode(ChunkKey k) {
        return Codec.UTF8.encode(k.upload + "/" + String.format("%08d", k.index));
      }

      @Override
      public ChunkKey decode(byte[] b) {
        String s = Codec.UTF8.decode(b);
        int slash = s.lastIndexOf('/');
        if (slash < 0) {
          throw new IllegalArgumentException("a chunk key is <upload>/<index>, got " + s);
        }
        return new ChunkKey(s.substring(0, slash), Integer.parseInt(s.substring(slash + 1)));
      }
    };
  }

  static boolean isSha256(String s) {
    return s.length() == 64 && s.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  }

  boolean has(String sha256) {
    return metas.contains(sha256);
  }

  GetPackageChunkReply chunk(String sha256, int index) {
    Meta m = metas.get(sha256);
    if (m == null) {
      throw Status.NOT_FOUND.withDescription("no package " + sha256 + " in GCS (was the GCS storage wiped"
          + " since the job started?)").asRuntimeException();
    }
    if (index < 0 || index >= Math.max(1, m.chunks)) {
      throw Status.INVALID_ARGUMENT.withDescription("package " + sha256 + " has " + m.chunks + " chunks; asked for "
          + index).asRuntimeException();
    }
    ByteString data = m.chunks == 0 ? ByteString.EMPTY : chunks.get(new ChunkKey(m.upload, index));
    if (data == null) {
      throw Status.DATA_LOSS.withDescription("package " + sha256 + " lost chunk " + index).asRuntimeException();
    }
    return GetPackageChunkReply.newBuilder().setSize(m.size).setChunks(m.chunks).setData(data).build();
  }

  StreamObserver<PackageChunk> upload(StreamObserver<UploadPackageReply> reply) {
    return new Upload(reply);
  }

  /** One client stream: checks each message, stages its data, publishes it when whole and right. */
  private final class Upload implements StreamObserver<PackageChunk> {
    private final StreamObserver<UploadPackageReply> reply;
    private final String id = UUID.randomUUID().toString();
    private final MessageDigest digest;
    private String sha256;
    private long size = -1;
    private long received;
    private int staged;
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
      } else if ((!c.getSha256().isEmpty() && !c.getSha256().equals(sha256)) || (c.getSize() != 0 && c.getSize() != size)) {
        fail("package " + sha256 + ": chunk " + staged + " names another package (" + c.getSha256() + ", "
            + c.getSize() + " bytes); one upload stream carries one package");
        return;
      }
      int n = c.getData().size();
      if (received + n > size || (received + n < size && n != CHUNK_BYTES)) {
        fail("package " + sha256 + ": chunk " + staged + " has " + n + " bytes; every chunk but the last must have "
            + CHUNK_BYTES + " and all of them " + size);
        return;
      }
      if (n == 0) {
        return;
      }
      c.getData().asReadOnlyByteBufferList().forEach(b -> digest.update(b.duplicate()));
      chunks.put(new ChunkKey(id, staged), c.getData());
      staged++;
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
          metas.put(sha256, new Meta(size, staged, id));
        }
      }
      if (!stored) {
        dropStaged(); // a concurrent upload of the same bytes won
      } else {
        LOG.info("stored package {} ({} bytes, {} chunks)", sha256, size, staged);
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
      if (staged > 0) {
        chunks.deleteRange(new ChunkKey(id, 0), new ChunkKey(id, staged));
      }
    }
  }
}
