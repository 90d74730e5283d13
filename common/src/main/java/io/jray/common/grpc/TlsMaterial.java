package io.jray.common.grpc;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.jray.common.config.JRayConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificates and key of a {@link TlsConfig}, read and checked once per process, and the
 * netty contexts built from them. Every problem a person can fix (a file that cannot be read, a key
 * in a format netty does not take, a key that is not the certificate's, a certificate out of its
 * validity) is an {@link IllegalArgumentException} naming the file and the fix, raised when the
 * process starts its first server or channel: at start, never as a handshake that hangs later.
 *
 * <p>Files are read once: a renewed certificate takes effect when the process restarts.
 *
 * <p>Threads: immutable once built; {@link #of} is a concurrent cache.
 */
public final class TlsMaterial {
  private static final Logger LOG = LoggerFactory.getLogger(TlsMaterial.class);
  private static final ConcurrentHashMap<TlsConfig, TlsMaterial> LOADED = new ConcurrentHashMap<>();

  private final TlsConfig config;
  private final PrivateKey key;
  private final X509Certificate[] chain;
  private final X509Certificate[] trust;
  private final SslContext server;
  private final SslContext client;

  private TlsMaterial(TlsConfig config) {
    this.config = config;
    this.chain = certificates(config.cert(), JRayConfig.TLS_CERT);
    this.key = privateKey(config.key());
    checkKeyMatches(key, chain[0], config);
    this.trust = config.mutual() ? certificates(config.ca(), JRayConfig.TLS_CA) : chain;
    try {
      SslContextBuilder s = GrpcSslContexts.configure(SslContextBuilder.forServer(key, chain));
      if (config.mutual()) {
        s.trustManager(trust).clientAuth(ClientAuth.REQUIRE);
      }
      this.server = s.build();
      SslContextBuilder c = GrpcSslContexts.forClient().trustManager(trust);
      if (config.mutual()) {
        c.keyManager(key, chain);
      }
      this.client = c.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalArgumentException("TLS: cannot use certificate " + config.cert() + " with key " + config.key()
          + ": " + e.getMessage(), e);
    }
    LOG.info("{} with {} ({}; certificate subject '{}', valid until {})", config,
        config.mutual() ? "client certificates required" : "no client certificates",
        server.getClass().getSimpleName(),
        chain[0].getSubjectX500Principal().getName(), chain[0].getNotAfter().toInstant());
  }

  /** The checked material of {@code config}, read on first use; throws with the fix if it cannot be used. */
  public static TlsMaterial of(TlsConfig config) {
    if (!config.enabled()) {
      throw new IllegalArgumentException("TLS is not configured");
    }
    return LOADED.computeIfAbsent(config, TlsMaterial::new);
  }

  public TlsConfig config() {
    return config;
  }

  SslContext serverContext() {
    return server;
  }

  SslContext clientContext() {
    return client;
  }

  /**
   * Fails unless the certificate names {@code host} (an IP address or DNS name) in its subject
   * alternative names: clients check the name they dialled against those, so a node whose
   * certificate lacks its own address would be refused by every peer.
   */
  public void checkNames(String host) {
    List<String> names = subjectAltNames(chain[0]);
    boolean ip = isIpLiteral(host);
    for (String n : names) {
      if (ip ? sameIp(n, host) : n.equalsIgnoreCase(host) || wildcardMatches(n, host)) {
        return;
      }
    }
    throw new IllegalArgumentException("TLS: certificate " + config.cert() + " does not name this node's address "
        + host + " (its subject alternative names: " + (names.isEmpty() ? "none" : String.join(", ", names))
        + "); peers would refuse it. Issue it with subjectAltName " + (ip ? "IP:" : "DNS:") + host
        + " (see README, TLS), or start the node with the --node-ip-address the certificate names.");
  }

  private static X509Certificate[] certificates(Path file, JRayConfig.Key key) {
    byte[] bytes = read(file, key);
    Collection<? extends java.security.cert.Certificate> certs;
    try {
      certs = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes));
    } catch (CertificateException e) {
      throw new IllegalArgumentException("TLS: " + file + " (" + TlsConfig.name(key) + ") is not a PEM X.509"
          + " certificate file: " + e.getMessage() + ". It should hold '-----BEGIN CERTIFICATE-----' blocks.", e);
    }
    if (certs.isEmpty()) {
      throw new IllegalArgumentException("TLS: " + file + " (" + TlsConfig.name(key) + ") holds no certificate;"
          + " it should hold '-----BEGIN CERTIFICATE-----' blocks.");
    }
    X509Certificate[] out = certs.stream().map(c -> (X509Certificate) c).toArray(X509Certificate[]::new);
    Date now = new Date();
    for (X509Certificate c : out) {
      if (now.after(c.getNotAfter()) || now.before(c.getNotBefore())) {
        throw new IllegalArgumentException("TLS: certificate '" + c.getSubjectX500Principal().getName() + "' in "
            + file + " is valid only from " + c.getNotBefore().toInstant() + " to " + c.getNotAfter().toInstant()
            + "; issue a new one.");
      }
    }
    return out;
  }

  private static PrivateKey privateKey(Path file) {
    String pem = new String(read(file, JRayConfig.TLS_KEY), StandardCharsets.US_ASCII);
    String begin = "-----BEGIN PRIVATE KEY-----";
    int b = pem.indexOf(begin);
    int e = pem.indexOf("-----END PRIVATE KEY-----");
    if (b < 0 || e < b) {
      String fix = pem.contains("ENCRYPTED PRIVATE KEY")
          ? "it is encrypted; JRay needs it unencrypted: openssl pkcs8 -in " + file + " -nocrypt -out KEY.pem"
          : pem.contains("-----BEGIN") ? "convert it: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out KEY.pem"
              : "it should be a PEM file with a '" + begin + "' block";
      throw new IllegalArgumentException("TLS: key " + file + " (" + TlsConfig.name(JRayConfig.TLS_KEY)
          + ") is not an unencrypted PKCS#8 PEM key: " + fix + ".");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(pem.substring(b + begin.length(), e));
    } catch (IllegalArgumentException x) {
      throw new IllegalArgumentException("TLS: key " + file + " has a damaged PEM block: " + x.getMessage(), x);
    }
    for (String alg : List.of("RSA", "EC", "Ed25519", "Ed448")) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException ignored) {
        // not this algorithm: try the next
      }
    }
    throw new IllegalArgumentException("TLS: key " + file + " is neither an RSA, EC nor EdDSA PKCS#8 key.");
  }

  /** A key that is not the certificate's only shows as a handshake failure on the peer: say so here. */
  private static void checkKeyMatches(PrivateKey key, X509Certificate cert, TlsConfig config) {
    String alg = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
      default -> null;
    };
    if (alg == null) {
      return;
    }
    boolean matches;
    try {
      byte[] probe = "jray-tls-key-check".getBytes(StandardCharsets.US_ASCII);
      Signature sign = Signature.getInstance(alg);
      sign.initSign(key);
      sign.update(probe);
      byte[] sig = sign.sign();
      Signature verify = Signature.getInstance(alg);
      verify.initVerify(cert.getPublicKey());
      verify.update(probe);
      matches = verify.verify(sig);
    } catch (GeneralSecurityException e) {
      matches = false;
    }
    if (!matches) {
      throw new IllegalArgumentException("TLS: key " + config.key() + " does not belong to certificate "
          + config.cert() + " (subject '" + cert.getSubjectX500Principal().getName() + "'; the first certificate"
          + " of the file must be the one issued for this key). Give the key the certificate was made from.");
    }
  }

  private static byte[] read(Path file, JRayConfig.Key key) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("TLS: " + file + " (" + TlsConfig.name(key) + ") does not exist or is not"
          + " a file; check the path given to --" + key.name().replace('.', '-') + " or " + key.envName() + ".");
    }
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("TLS: cannot read " + file + " (" + TlsConfig.name(key) + "): " + e
          + "; this process (user " + System.getProperty("user.name") + ") needs read access to it.", e);
    }
  }

  private static List<String> subjectAltNames(X509Certificate c) {
    List<String> out = new ArrayList<>();
    try {
      Collection<List<?>> sans = c.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          out.add(san.get(1).toString());
        }
      }
    } catch (CertificateParsingException ignored) {
      // no readable names: reported as none
    }
    return out;
  }

  private static boolean isIpLiteral(String host) {
    return host.matches("[0-9.]+") || host.contains(":");
  }

  private static boolean sameIp(String a, String b) {
    if (!isIpLiteral(a)) {
      return false;
    }
    try {
      return InetAddress.getByName(a).equals(InetAddress.getByName(b));
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean wildcardMatches(String pattern, String host) {
    return pattern.startsWith("*.") && host.indexOf('.') > 0
        && host.substring(host.indexOf('.')).equalsIgnoreCase(pattern.substring(1));
  }
}
