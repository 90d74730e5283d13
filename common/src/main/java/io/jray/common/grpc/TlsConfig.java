package io.jray.common.grpc;

import io.jray.common.config.JRayConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Which TLS files a process uses for its gRPC servers and channels (DESIGN §8), as paths; nothing
 * is read here ({@link TlsMaterial} reads and checks the files).
 *
 * <ul>
 *   <li>No files: plaintext.
 *   <li>{@code cert} and {@code key}: every server presents the certificate; every client verifies
 *       the server against the certificates in {@code cert} itself (a self-signed cluster
 *       certificate, or a chain that ends in the cluster's CA) and presents none.
 *   <li>And {@code ca}: mutual TLS. Servers require a client certificate signed by the CA; clients
 *       verify the server against the CA and present their own certificate.
 * </ul>
 *
 * Every JRay process runs a server (drivers and workers too, for calls from owners and borrowers),
 * so a certificate and key are needed whenever TLS is on; a CA alone is an error, not a silent
 * plaintext fallback. The cluster token is checked on top of TLS either way.
 */
public record TlsConfig(Path cert, Path key, Path ca) {
  public static final TlsConfig PLAINTEXT = new TlsConfig(null, null, null);

  public TlsConfig {
    cert = cert == null ? null : cert.toAbsolutePath();
    key = key == null ? null : key.toAbsolutePath();
    ca = ca == null ? null : ca.toAbsolutePath();
    List<String> problems = new ArrayList<>();
    if ((cert == null) != (key == null)) {
      problems.add(cert == null ? "a TLS key (" + name(JRayConfig.TLS_KEY) + ") is set but no certificate ("
          + name(JRayConfig.TLS_CERT) + ")" : "a TLS certificate (" + name(JRayConfig.TLS_CERT)
          + ") is set but no key (" + name(JRayConfig.TLS_KEY) + ")");
    }
    if (ca != null && cert == null && key == null) {
      problems.add("a TLS CA (" + name(JRayConfig.TLS_CA) + ") is set but no certificate and key: every JRay"
          + " process serves calls, so it needs " + name(JRayConfig.TLS_CERT) + " and " + name(JRayConfig.TLS_KEY));
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("TLS misconfigured: " + String.join("; ", problems)
          + ". Give --tls-cert and --tls-key (and --tls-ca for mutual TLS), or none of them for plaintext.");
    }
  }

  /** The files named by {@code jray.tls.*} / {@code JRAY_TLS_*} now (CLI flags are turned into those). */
  public static TlsConfig fromConfig() {
    return new TlsConfig(path(JRayConfig.TLS_CERT), path(JRayConfig.TLS_KEY), path(JRayConfig.TLS_CA));
  }

  public boolean enabled() {
    return cert != null;
  }

  /** A CA was given: both ends present and verify certificates. */
  public boolean mutual() {
    return ca != null;
  }

  /**
   * The settings a session was started with ({@code <session>/tls}, written by {@code jray start}),
   * taken as this process's own when it has none: a CLI command or a driver on the head machine
   * that found its cluster through the session directory talks to it the way its processes do.
   * Settings of the process's own (flags, {@code JRAY_TLS_*}) always win. Returns whether it took them.
   */
  public static boolean adoptUnlessSet(java.util.Optional<TlsConfig> session) {
    if (!fromConfig().enabled() && session.isPresent() && session.get().enabled()) {
      session.get().setSystemProperties();
      return true;
    }
    return false;
  }

  /** As {@code JRAY_TLS_*} environment variables, for a program started with this process's settings. */
  public java.util.Map<String, String> environment() {
    java.util.Map<String, String> env = new java.util.LinkedHashMap<>();
    if (enabled()) {
      env.put(JRayConfig.TLS_CERT.envName(), cert.toString());
      env.put(JRayConfig.TLS_KEY.envName(), key.toString());
      if (mutual()) {
        env.put(JRayConfig.TLS_CA.envName(), ca.toString());
      }
    }
    return env;
  }

  /** As {@code -Djray.tls.*} system properties, for this JVM to pass on to the JVMs it starts. */
  public void setSystemProperties() {
    set(JRayConfig.TLS_CERT, cert);
    set(JRayConfig.TLS_KEY, key);
    set(JRayConfig.TLS_CA, ca);
  }

  @Override
  public String toString() {
    return !enabled() ? "plaintext" : (mutual() ? "mutual TLS" : "TLS") + " (cert " + cert + ", key " + key
        + (mutual() ? ", CA " + ca : ", servers verified against the certificate file") + ")";
  }

  private static void set(JRayConfig.Key k, Path p) {
    if (p == null) {
      System.clearProperty(k.propertyName());
    } else {
      System.setProperty(k.propertyName(), p.toString());
    }
  }

  private static Path path(JRayConfig.Key k) {
    String v = JRayConfig.get(k);
    return v.isEmpty() ? null : Path.of(v);
  }

  static String name(JRayConfig.Key k) {
    return k.propertyName() + " / " + k.envName();
  }
}
