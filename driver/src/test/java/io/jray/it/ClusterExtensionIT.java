package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jray.api.JRay;
import io.jray.common.process.JvmLauncher;
import io.jray.common.process.NodeOptions;
import io.jray.common.process.PidFiles;
import io.jray.common.session.SessionDir;
import io.jray.objectstore.ArenaFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The test harness itself: a failed start leaves nothing running, and what a class leaves behind fails it. */
class ClusterExtensionIT {
  /** A JRay-named JVM that a test "forgot": stands for a leaked worker or node. */
  public static final class Stray {
    public static void main(String[] args) throws Exception {
      Thread.sleep(600_000);
    }
  }

  private static List<ProcessHandle> jrayChildren() {
    return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).filter(PidFiles::isJRay).toList();
  }

  @Test
  void aStartThatFailsPartWayStopsWhatItAlreadyStarted() {
    Set<Path> before = ClusterExtension.sessions();
    // the second raylet cannot make its store directory (under a file), after GCS and the head
    // raylet are up
    ClusterExtension ext = ClusterExtension.head(NodeOptions.defaults().withCpus(1))
        .node(new NodeOptions(1.0, Map.of(), 64L << 20, "127.0.0.1", "/dev/null/store", null)).driver();
    boolean started = false;
    try {
      ext.start();
      started = true;
    } catch (IllegalStateException e) {
      assertThat(e).hasMessageContaining("raylet-2");
      assertThat(e.getSuppressed()).as("what the failed start left behind").isEmpty();
    } finally {
      if (started) {
        ext.stop();
      }
    }
    assertThat(started).as("a start with an impossible node fails").isFalse();
    assertThat(JRay.isInitialized()).as("no driver connected").isFalse();
    Set<Path> made = new TreeSet<>(ClusterExtension.sessions());
    made.removeAll(before);
    assertThat(made).hasSize(1);
    SessionDir session = SessionDir.open(made.iterator().next());
    assertThat(session.pids().resolve("gcs.pid")).as("GCS was started").exists();
    assertThat(session.pids().resolve("raylet.pid")).as("the head raylet was started").exists();
    assertThat(PidFiles.live(session)).as("live processes of the failed cluster's session").isEmpty();
    assertThat(jrayChildren()).isEmpty();
  }

  @Test
  void aProcessOrArenaFileLeftBehindFailsTheClassByNameAndIsRemoved() throws Exception {
    ClusterExtension ext = ClusterExtension.head(NodeOptions.defaults().withCpus(1));
    ext.exitWaitSeconds = 2;
    ext.start();
    Process stray = new ProcessBuilder(JvmLauncher.javaBinary(), "-Xmx32m", "-cp", System.getProperty("java.class.path"),
        Stray.class.getName()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    Path arena = Path.of("/dev/shm", ArenaFile.PREFIX + ProcessHandle.current().pid() + "-selftest");
    Files.write(arena, new byte[1]);
    try {
      assertThatThrownBy(ext::stop).isInstanceOf(AssertionError.class)
          .hasMessageContaining("process " + stray.pid() + " (" + Stray.class.getName())
          .hasMessageContaining("arena file " + arena)
          .satisfies(e -> assertThat(e.getMessage()).as("GCS and raylet stopped cleanly").doesNotContain("SIGTERM")
              .doesNotContain("raylet"));
      assertThat(stray.waitFor(10, TimeUnit.SECONDS)).as("the stray process is killed").isTrue();
      assertThat(arena).as("the stray arena file is removed").doesNotExist();
      assertThat(jrayChildren()).isEmpty();
    } finally {
      stray.destroyForcibly();
      Files.deleteIfExists(arena);
    }
  }
}
