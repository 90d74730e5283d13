package io.jray.runtime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A driver's own code: the entries of its class path that are neither JRay's (its modules and
 * the third-party jars it ships with) nor the JDK's, each as one jar with its SHA-256, so that
 * workers on nodes where the application was never installed can load it.
 *
 * <p>Class directories are packed into a jar with fixed timestamps and sorted entries, so the
 * same classes give the same hash and GCS keeps them once.
 */
final class JobCode {
  private static final Logger LOG = LoggerFactory.getLogger(JobCode.class);
  /** Lists the file names of JRay's third-party jars; written by the driver module's build. */
  static final String RUNTIME_JARS_RESOURCE = "META-INF/jray/runtime-jars.txt";
  /** A class path entry holding one of these directories is part of JRay. */
  private static final List<String> JRAY_PACKAGES = List.of("io/jray/api/", "io/jray/runtime/", "io/jray/common/",
      "io/jray/proto/", "io/jray/gcs/", "io/jray/raylet/", "io/jray/objectstore/", "io/jray/cli/",
      "io/jray/examples/");
  private static final HexFormat HEX = HexFormat.of();
  private static final long PACKED_TIME = 315_532_800_000L; // 1980-01-01, the earliest a zip entry can say
  /** Hashing a large jar on every JRay.init would cost; files that did not change keep their hash. */
  private static final Map<Path, Hashed> HASHED = new ConcurrentHashMap<>();

  private record Hashed(long size, long modified, String sha256) {}

  /** One entry to ship: a jar on disk, or a class directory packed in memory. */
  record Entry(String name, Path jar, byte[] packed, String sha256, long size) {
    InputStream open() throws IOException {
      return jar != null ? Files.newInputStream(jar) : new java.io.ByteArrayInputStream(packed);
    }
  }

  private final List<Entry> entries;
  private final List<String> skipped;

  private JobCode(List<Entry> entries, List<String> skipped) {
    this.entries = entries;
    this.skipped = skipped;
  }

  List<Entry> entries() {
    return entries;
  }

  /** Entries left out as JRay's, the JDK's, or missing; for the log. */
  List<String> skipped() {
    return skipped;
  }

  long totalBytes() {
    return entries.stream().mapToLong(Entry::size).sum();
  }

  /**
   * The entries of {@code classPath} (a {@code java.class.path} value) to ship, in class path
   * order; jars' manifest {@code Class-Path} entries are followed. Fails when they add up to more
   * than {@code maxBytes}, naming the largest.
   */
  static JobCode of(String classPath, long maxBytes) {
    Set<String> runtimeJars = runtimeJars();
    List<Path> paths = expand(classPath);
    Path javaHome = Path.of(System.getProperty("java.home")).toAbsolutePath().normalize();
    List<Entry> out = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    long total = 0;
    for (Path p : paths) {
      String why = skipReason(p, javaHome, runtimeJars);
      if (why != null) {
        skipped.add(p + " (" + why + ")");
        continue;
      }
      Entry e = Files.isDirectory(p) ? pack(p, maxBytes - total) : jar(p);
      total += e.size();
      out.add(e);
      if (total > maxBytes) {
        String largest = out.stream().sorted((a, b) -> Long.compare(b.size(), a.size())).limit(3)
            .map(x -> x.name() + " (" + x.size() / 1024 + " KiB)").toList().toString();
        throw new IllegalStateException("the job's code is more than " + maxBytes + " bytes (job.code-max-bytes);"
            + " the largest entries of the class path: " + largest + ". Take what the job does not need off the"
            + " class path, or raise job.code-max-bytes on the driver and the GCS server");
      }
    }
    return new JobCode(List.copyOf(out), List.copyOf(skipped));
  }

  private static String skipReason(Path p, Path javaHome, Set<String> runtimeJars) {
    if (!Files.exists(p)) {
      return "does not exist";
    }
    if (p.startsWith(javaHome)) {
      return "the JDK's";
    }
    if (Files.isRegularFile(p) && runtimeJars.contains(p.getFileName().toString())) {
      return "a jar JRay ships with";
    }
    if (isJRays(p)) {
      return "JRay's own";
    }
    if (Files.isRegularFile(p) && onlyManifest(p)) {
      return "only a manifest; its Class-Path entries are shipped instead";
    }
    return null;
  }

  private static boolean isJRays(Path p) {
    if (Files.isDirectory(p)) {
      return JRAY_PACKAGES.stream().anyMatch(pkg -> Files.isDirectory(p.resolve(pkg)));
    }
    // A jar by another name holding JRay's classes is an application's fat jar: shipped whole.
    if (!p.getFileName().toString().startsWith("jray-")) {
      return false;
    }
    try (JarFile jar = new JarFile(p.toFile())) {
      return jar.stream().anyMatch(e -> JRAY_PACKAGES.stream().anyMatch(pkg -> e.getName().startsWith(pkg)));
    } catch (IOException e) {
      return false; // not a jar: shipped as it is, the worker's class loader will say what is wrong
    }
  }

  private static boolean onlyManifest(Path p) {
    try (JarFile jar = new JarFile(p.toFile())) {
      return jar.stream().allMatch(e -> e.getName().startsWith("META-INF/"));
    } catch (IOException e) {
      return false;
    }
  }

  /** Class path entries in order, with jars' manifest Class-Path entries after the jar. */
  static List<Path> expand(String classPath) {
    Set<Path> seen = new LinkedHashSet<>();
    for (String s : classPath.split(java.io.File.pathSeparator)) {
      if (!s.isBlank()) {
        add(Path.of(s).toAbsolutePath().normalize(), seen);
      }
    }
    return List.copyOf(seen);
  }

  private static void add(Path p, Set<Path> seen) {
    if (!seen.add(p) || !Files.isRegularFile(p)) {
      return;
    }
    String cp;
    try (JarFile jar = new JarFile(p.toFile())) {
      var m = jar.getManifest();
      cp = m == null ? null : m.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
    } catch (IOException e) {
      return;
    }
    if (cp == null) {
      return;
    }
    for (String ref : cp.trim().split("\\s+")) {
      try {
        URI u = p.getParent().toUri().resolve(ref);
        if ("file".equals(u.getScheme())) {
          add(Path.of(u).toAbsolutePath().normalize(), seen);
        }
      } catch (RuntimeException e) {
        LOG.debug("ignoring Class-Path entry {} of {}: {}", ref, p, e.toString());
      }
    }
  }

  private static Set<String> runtimeJars() {
    Set<String> names = new HashSet<>();
    try {
      Enumeration<URL> lists = ClassLoader.getSystemClassLoader().getResources(RUNTIME_JARS_RESOURCE);
      while (lists.hasMoreElements()) {
        try (InputStream in = lists.nextElement().openStream()) {
          for (String s : new String(in.readAllBytes(), StandardCharsets.UTF_8).trim().split("[:;\\s]+")) {
            if (!s.isBlank()) {
              names.add(s.substring(Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\')) + 1));
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RUNTIME_JARS_RESOURCE, e);
    }
    if (names.isEmpty()) {
      LOG.info("no {} on the class path (the jray-driver jar is not on it): every jar that is not JRay's own"
          + " is shipped with the job, third-party jars JRay already has included", RUNTIME_JARS_RESOURCE);
    }
    return names;
  }

  private static Entry jar(Path p) {
    try {
      long size = Files.size(p);
      long modified = Files.getLastModifiedTime(p).toMillis();
      Hashed h = HASHED.get(p);
      if (h == null || h.size() != size || h.modified() != modified) {
        MessageDigest md = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(p), md)) {
          in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        h = new Hashed(size, modified, HEX.formatHex(md.digest()));
        HASHED.put(p, h);
      }
      return new Entry(p.toString(), p, null, h.sha256(), size);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + p + " to ship it with the job: " + e.getMessage(), e);
    }
  }

  private static Entry pack(Path dir, long room) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (JarOutputStream jar = new JarOutputStream(buf); Stream<Path> walk = Files.walk(dir)) {
      List<Path> files = walk.filter(Files::isRegularFile).sorted().toList();
      for (Path f : files) {
        String name = dir.relativize(f).toString().replace('\\', '/');
        ZipEntry e = new ZipEntry(name);
        e.setLastModifiedTime(FileTime.fromMillis(PACKED_TIME));
        jar.putNextEntry(e);
        Files.copy(f, jar);
        jar.closeEntry();
        if (buf.size() > room) {
          break; // over the limit already: of() reports it with the other entries' sizes
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot pack class directory " + dir + " to ship it with the job: "
          + e.getMessage(), e);
    }
    byte[] bytes = buf.toByteArray();
    return new Entry(dir.toString(), null, bytes, HEX.formatHex(sha256().digest(bytes)), bytes.length);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
