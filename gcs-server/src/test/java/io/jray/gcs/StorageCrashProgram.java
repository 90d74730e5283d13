package io.jray.gcs;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.jray.api.ActorId;
import io.jray.api.JobId;
import io.jray.proto.ActorInfo;
import io.jray.proto.Address;
import io.jray.proto.JobInfo;
import io.jray.proto.NodeInfo;
import io.jray.proto.PackageChunk;
import io.jray.proto.UploadPackageReply;
import io.jray.proto.WorkerDeath;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The changes {@link StorageCrashTest} replays in a child JVM, in this order, each made the way
 * the GCS makes it: a node registers, a job is added (counter and job), a KV entry, a package of
 * two chunks plus its meta key, three worker deaths into a table of at most two, an actor, a second
 * job. Run with {@code -Djray.testing.gcs-crash-after-writes=N}, it halts right after its Nth
 * storage write, as a {@code kill -9} there would.
 */
final class StorageCrashProgram {
  static final int MAX_DEATHS = 2;
  static final byte[] PACKAGE = packageBytes();
  static final String PACKAGE_SHA = sha256(PACKAGE);
  static final ByteString NODE = ByteString.copyFrom(new byte[16]);
  static final ByteString ACTOR = ByteString.copyFrom(new byte[ActorId.SIZE]);

  private StorageCrashProgram() {}

  public static void main(String[] args) {
    try (GcsStorage storage = new GcsStorage(Path.of(args[0]))) {
      Publisher publisher = new Publisher();
      new NodeTable(storage, publisher, (id, why) -> { }).register(NodeInfo.newBuilder().setNodeId(NODE)
          .setHost("127.0.0.1").setRayletPort(1).build());
      JobTable jobs = new JobTable(storage, publisher);
      jobs.add(JobInfo.newBuilder().setDriverPid(1).build());
      new InternalKv(storage).put("a", ByteString.copyFromUtf8("1"), true);
      PackageStore packages = new PackageStore(storage, 1 << 30);
      StreamObserver<PackageChunk> up = packages.upload(new StreamObserver<UploadPackageReply>() {
        @Override
        public void onNext(UploadPackageReply r) {}

        @Override
        public void onError(Throwable t) {
          throw new IllegalStateException(t);
        }

        @Override
        public void onCompleted() {}
      });
      int chunk = io.jray.common.gcs.GcsClient.PACKAGE_CHUNK_BYTES;
      up.onNext(PackageChunk.newBuilder().setSha256(PACKAGE_SHA).setSize(PACKAGE.length)
          .setData(ByteString.copyFrom(PACKAGE, 0, chunk)).build());
      up.onNext(PackageChunk.newBuilder().setData(ByteString.copyFrom(PACKAGE, chunk, PACKAGE.length - chunk)).build());
      up.onCompleted();
      WorkerDeathTable deaths = new WorkerDeathTable(storage, MAX_DEATHS);
      for (int i = 1; i <= 3; i++) {
        deaths.add(WorkerDeath.newBuilder().setReason("death " + i).setNodeId(NODE).build());
      }
      new ActorTable(storage).put(ActorInfo.newBuilder().setActorId(ACTOR).setJobId(ByteString.copyFrom(
          JobId.fromInt(1).bytes())).setClassName("Counter").setName("counter").setDetached(true)
          .setState(ActorInfo.State.ALIVE).setOwner(Address.getDefaultInstance()).build());
      jobs.add(JobInfo.newBuilder().setDriverPid(2).build());
    }
  }

  private static byte[] packageBytes() {
    byte[] b = new byte[io.jray.common.gcs.GcsClient.PACKAGE_CHUNK_BYTES + 1000];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (i * 31);
    }
    return b;
  }

  static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
