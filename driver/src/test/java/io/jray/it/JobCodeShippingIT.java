package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.jray.common.gcs.GcsClient;
import io.jray.common.process.JvmLauncher;
import io.jray.common.process.NodeOptions;
import io.jray.proto.JobInfo;
import io.jray.proto.JobPackage;
import io.jray.proto.PackageChunk;
import io.jray.proto.UploadPackageReply;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Job code shipping: a driver whose application jar exists only in a temporary directory of its
 * own runs tasks on two nodes whose raylets never had that jar on their class path; GCS keeps
 * packages by content and rejects bad uploads without storing anything.
 */
class JobCodeShippingIT {
  private static final String APP = """
      package shipped;

      import io.jray.api.JRay;
      import io.jray.api.NodeId;
      import io.jray.api.ObjectRef;
      import io.jray.api.Remote;
      import io.jray.api.SchedulingStrategy;

      public class App {
        public record Point(int x, int y) {}

        @Remote
        public static Point square(int x) {
          return new Point(x, x * x);
        }

        @Remote
        public static String where(Point p) {
          return JRay.runtimeContext().nodeId().hex() + " "
              + App.class.getProtectionDomain().getCodeSource().getLocation().getPath() + " " + p.y();
        }

        public static void main(String[] nodes) {
          JRay.init();
          for (String node : nodes) {
            ObjectRef<Point> p = JRay.task(App::square, 7)
                .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(NodeId.fromHex(node), false)).remote();
            String r = JRay.task(App::where, p)
                .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(NodeId.fromHex(node), false)).remote().get();
            System.out.println("RAN " + r + " point=" + p.get());
          }
          JRay.shutdown();
        }
      }
      """;

  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(1))
      .node(NodeOptions.defaults().withCpus(1));
  private static String head;
  private static String second;
  @TempDir
  static Path tmp;
  private static Path appJar;

  @BeforeAll
  static void start() throws Exception {
    head = ClusterExtension.nodeHex(cluster.raylet(0));
    second = ClusterExtension.nodeHex(cluster.raylet(1));
    appJar = buildAppJar(tmp);
  }

  /** Compiles {@link #APP} against JRay's API and jars it, outside every class path of the cluster. */
  private static Path buildAppJar(Path dir) throws Exception {
    Path src = dir.resolve("src/shipped/App.java");
    Files.createDirectories(src.getParent());
    Files.writeString(src, APP);
    Path classes = dir.resolve("classes");
    Files.createDirectories(classes);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int rc = javac.run(null, null, null, "-proc:none", "-d", classes.toString(), "-cp",
        System.getProperty("java.class.path"), src.toString());
    assertThat(rc).as("javac exit code").isZero();
    Path jar = dir.resolve("app.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files = Files.walk(classes)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
        Files.copy(f, out);
        out.closeEntry();
      }
    }
    return jar;
  }

  private record Run(int exitCode, String output) {}

  private static Run runDriver(List<String> jvmFlags, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(JvmLauncher.javaBinary()));
    cmd.addAll(JvmLauncher.BASE_FLAGS);
    cmd.add("-Xmx256m");
    cmd.addAll(jvmFlags);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path") + File.pathSeparator + appJar, "shipped.App"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("JRAY_ADDRESS", cluster.gcsAddress());
    pb.environment().put("JRAY_AUTH_TOKEN", cluster.token());
    Process p = pb.start();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (java.io.IOException e) {
        return e.toString();
      }
    }, r -> Thread.ofVirtual().start(r));
    if (!p.waitFor(3, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("the driver did not finish in 3 minutes:\n" + out.getNow(""));
    }
    return new Run(p.exitValue(), out.get(10, TimeUnit.SECONDS));
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  @Test
  void aDriverWhoseJarOnlyItHasRunsTasksOnEveryNode() throws Exception {
    // Nothing in the cluster can load the application: not the raylets, not this JVM.
    assertThatThrownBy(() -> Class.forName("shipped.App")).isInstanceOf(ClassNotFoundException.class);
    String appSha = sha256(Files.readAllBytes(appJar));

    Run run = runDriver(List.of(), head, second);
    assertThat(run.exitCode()).as(run.output()).isZero();
    List<String> ran = run.output().lines().filter(l -> l.startsWith("RAN ")).toList();
    assertThat(ran).as(run.output()).hasSize(2);
    Path cached = cluster.session().path().resolve("packages").resolve(appSha + ".jar");
    for (int i = 0; i < 2; i++) {
      String[] f = ran.get(i).split(" ");
      assertThat(f[1]).isEqualTo(i == 0 ? head : second);
      assertThat(Path.of(f[2])).as("where the worker loaded the application from").isEqualTo(cached);
      assertThat(f[3]).isEqualTo("49");
      assertThat(ran.get(i)).endsWith("point=Point[x=7, y=49]");
    }
    assertThat(cached).exists();
    assertThat(sha256(Files.readAllBytes(cached))).isEqualTo(appSha);

    try (GcsClient gcs = new GcsClient(cluster.gcsAddress(), cluster.token())) {
      JobInfo job = gcs.allJobs().stream()
          .filter(j -> j.getPackagesList().stream().anyMatch(p -> p.getSha256().equals(appSha))).findFirst()
          .orElseThrow();
      assertThat(job.getPackagesList()).as("JRay's own jars and classes are not shipped")
          .noneMatch(p -> p.getName().contains("jray-core-worker") || p.getName().endsWith("core-worker/target/classes")
              || p.getName().contains("grpc-api"));
      // The same bytes again are not stored twice.
      assertThat(gcs.findMissingPackages(List.of(appSha))).isEmpty();
      assertThat(upload(gcs, appSha, Files.readAllBytes(appJar)).getStored()).isFalse();
    }

    Run again = runDriver(List.of(), second);
    assertThat(again.exitCode()).as(again.output()).isZero();
    assertThat(again.output()).contains("RAN " + second + " " + cached + " 49");
  }

  @Test
  void codeOverTheLimitFailsInitClearlyAndAddsNoJob() throws Exception {
    int jobsBefore;
    try (GcsClient gcs = new GcsClient(cluster.gcsAddress(), cluster.token())) {
      jobsBefore = gcs.allJobs().size();
    }
    Run run = runDriver(List.of("-Djray.job.code-max-bytes=1000"), head);
    assertThat(run.exitCode()).isNotZero();
    assertThat(run.output()).contains("job.code-max-bytes").contains("more than 1000 bytes");
    try (GcsClient gcs = new GcsClient(cluster.gcsAddress(), cluster.token())) {
      assertThat(gcs.allJobs().size())
          .isEqualTo(jobsBefore);
    }
  }

  @Test
  void gcsRejectsBadUploadsAndJobsNamingMissingPackagesWithoutStoringAnything() throws Exception {
    byte[] data = new byte[3 * (1 << 20) + 5];
    new java.util.Random(7).nextBytes(data);
    String sha = sha256(data);
    try (GcsClient gcs = new GcsClient(cluster.gcsAddress(), cluster.token())) {
      byte[] corrupted = data.clone();
      corrupted[data.length - 1] ^= 1;
      assertThatThrownBy(() -> upload(gcs, sha, corrupted)).isInstanceOfSatisfying(StatusRuntimeException.class,
          e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT))
          .hasMessageContaining("hash to");
      assertThatThrownBy(() -> upload(gcs, "not-a-hash", data)).hasMessageContaining("64 lower-case hex");
      assertThat(gcs.findMissingPackages(List.of(sha))).containsExactly(sha);
      assertThatThrownBy(() -> gcs.packageChunk(sha, 0)).isInstanceOfSatisfying(StatusRuntimeException.class,
          e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
      assertThatThrownBy(() -> gcs.addJob(JobInfo.newBuilder()
          .setDriverHost("127.0.0.1").setDriverPid(1).addPackages(JobPackage.newBuilder().setName("ghost.jar")
              .setSha256(sha).setSize(data.length)).build())).hasMessageContaining("ghost.jar")
          .hasMessageContaining("not in GCS");

      assertThat(upload(gcs, sha, data).getStored()).isTrue();
      ByteString got = ByteString.EMPTY;
      for (int i = 0; i < 4; i++) {
        got = got.concat(gcs.packageChunk(sha, i).getData());
      }
      assertThat(got.toByteArray()).isEqualTo(data);
    }
  }

  /** Streams {@code data} as a package the way drivers do: 1 MiB per message. */
  private static UploadPackageReply upload(GcsClient gcs, String sha, byte[] data) throws Exception {
    CompletableFuture<UploadPackageReply> done = new CompletableFuture<>();
    StreamObserver<PackageChunk> out = gcs.async().uploadPackage(new StreamObserver<>() {
      @Override
      public void onNext(UploadPackageReply r) {
        done.complete(r);
      }

      @Override
      public void onError(Throwable t) {
        done.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {}
    });
    int chunk = 1 << 20;
    for (int off = 0; off < data.length || off == 0; off += chunk) {
      PackageChunk.Builder c = PackageChunk.newBuilder()
          .setData(ByteString.copyFrom(data, off, Math.min(chunk, data.length - off)));
      if (off == 0) {
        c.setSha256(sha).setSize(data.length);
      }
      out.onNext(c.build());
    }
    out.onCompleted();
    try {
      return done.get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }
}
