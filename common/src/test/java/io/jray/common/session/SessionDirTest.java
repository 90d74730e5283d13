package io.jray.common.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionDirTest {
  @Test
  void sessionIsPrivateAndTokenIsOwnerOnly(@TempDir Path root) throws Exception {
    SessionDir s = SessionDir.create(root, "secret", true);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(s.path()))).isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(s.path().resolve("token"))))
        .isEqualTo("rw-------");
    assertThat(s.token()).isEqualTo("secret");
    assertThat(Files.isDirectory(s.logs())).isTrue();
    assertThat(root.resolve(SessionDir.LATEST).toRealPath()).isEqualTo(s.path().toRealPath());
    s.writeGcsAddress("127.0.0.1:6380");
    assertThat(SessionDir.open(s.path()).gcsAddress()).contains("127.0.0.1:6380");
  }
}
