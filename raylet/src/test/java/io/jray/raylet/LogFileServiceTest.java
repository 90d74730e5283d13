package io.jray.raylet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jray.api.NodeId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogFileServiceTest {
  @TempDir
  Path session;

  @Test
  void resolvesOnlyRegularFilesInsideTheLogsDirectory() throws Exception {
    Path logs = Files.createDirectories(session.resolve("logs"));
    Files.writeString(logs.resolve("raylet.log"), "x");
    Files.writeString(session.resolve("token"), "secret");
    Files.createSymbolicLink(logs.resolve("sneaky.log"), session.resolve("token"));
    LogFileService s = new LogFileService(logs, NodeId.random());
    assertThat(s.resolve("raylet.log")).isEqualTo(logs.resolve("raylet.log"));
    for (String bad : new String[] {"../token", "/etc/passwd", "a/../../token", ".", "sneaky.log"}) {
      assertThatThrownBy(() -> s.resolve(bad)).as(bad).isInstanceOfSatisfying(StatusRuntimeException.class,
          e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }
    assertThatThrownBy(() -> s.resolve("absent.log")).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void tailStartFindsTheLastLines() {
    byte[] d = "a\nb\nc\n".getBytes(StandardCharsets.UTF_8);
    assertThat(new String(d, LogFileService.tailStart(d, 2), d.length - LogFileService.tailStart(d, 2),
        StandardCharsets.UTF_8)).isEqualTo("b\nc\n");
    assertThat(LogFileService.tailStart(d, 10)).isZero();
    assertThat(LogFileService.tailStart(new byte[0], 3)).isZero();
  }
}
