package io.jray.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SubmitCommandTest {
  @Test
  void appendsJRayToAnExistingClassPathAndUsesOurJava() {
    List<String> cmd = SubmitCommand.withJRayClasspath(List.of("java", "-cp", "app.jar", "Main", "x"), "/jray/*");
    assertThat(cmd.get(0)).endsWith("/bin/java");
    assertThat(cmd).contains("--enable-native-access=ALL-UNNAMED");
    assertThat(cmd.get(cmd.indexOf("-cp") + 1)).isEqualTo("app.jar:/jray/*");
    assertThat(cmd.subList(cmd.size() - 2, cmd.size())).containsExactly("Main", "x");
  }

  @Test
  void addsAClassPathWhenThereIsNone() {
    List<String> cmd = SubmitCommand.withJRayClasspath(List.of("java", "-jar", "app.jar"), "/jray/*");
    assertThat(cmd.get(cmd.indexOf("-cp") + 1)).isEqualTo("/jray/*");
  }
}
