package io.jray.common.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** How a started process tells its launcher it is serving: {@code key=value} lines, written atomically. */
public final class ReadyFile {
  private ReadyFile() {}

  public static void write(Path file, Map<String, String> values) {
    StringBuilder sb = new StringBuilder();
    values.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, sb.toString(), StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write ready file " + file, e);
    }
  }

  public static Optional<Map<String, String>> read(Path file) {
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      Map<String, String> out = new LinkedHashMap<>();
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        int i = line.indexOf('=');
        if (i > 0) {
          out.put(line.substring(0, i), line.substring(i + 1));
        }
      }
      return Optional.of(out);
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
