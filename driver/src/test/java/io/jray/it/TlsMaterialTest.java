package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jray.common.grpc.TlsConfig;
import io.jray.common.grpc.TlsMaterial;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How TLS settings are parsed and checked before any server starts, and what a person reads when
 * they are wrong (a unit test: no cluster; here, next to {@link TestCertificates}, which makes the
 * files).
 */
class TlsMaterialTest {
  @TempDir
  Path dir;

  @Test
  void noFilesIsPlaintextAndCertKeyCaIsMutual() {
    assertThat(TlsConfig.PLAINTEXT.enabled()).isFalse();
    TestCertificates ca = TestCertificates.ca(dir, "c");
    TestCertificates.Pair node = ca.issue("node");
    TlsConfig oneWay = new TlsConfig(node.cert(), node.key(), null);
    assertThat(oneWay.enabled()).isTrue();
    assertThat(oneWay.mutual()).isFalse();
    TlsConfig mutual = new TlsConfig(node.cert(), node.key(), ca.ca());
    assertThat(mutual.mutual()).isTrue();
    assertThat(mutual.environment()).containsOnlyKeys("JRAY_TLS_CERT", "JRAY_TLS_KEY", "JRAY_TLS_CA");
    assertThat(TlsMaterial.of(mutual).config()).isEqualTo(mutual);
  }

  @Test
  void halfAConfigurationIsRefusedNamingWhatIsMissing() {
    assertThatThrownBy(() -> new TlsConfig(dir.resolve("c.pem"), null, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("certificate")
        .hasMessageContaining("but no key").hasMessageContaining("JRAY_TLS_KEY");
    assertThatThrownBy(() -> new TlsConfig(null, dir.resolve("k.pem"), null))
        .hasMessageContaining("key").hasMessageContaining("but no certificate");
    assertThatThrownBy(() -> new TlsConfig(null, null, dir.resolve("ca.pem")))
        .hasMessageContaining("CA").hasMessageContaining("no certificate and key");
  }

  @Test
  void aMissingOrUnreadableFileIsNamedWithTheFix() throws IOException {
    TestCertificates ca = TestCertificates.ca(dir, "c");
    TestCertificates.Pair node = ca.issue("node");
    Path missing = dir.resolve("nope.pem");
    assertThatThrownBy(() -> TlsMaterial.of(new TlsConfig(missing, node.key(), null)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(missing.toString())
        .hasMessageContaining("does not exist").hasMessageContaining("JRAY_TLS_CERT");
    Path locked = Files.copy(node.key(), dir.resolve("locked.key"));
    Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
    // root reads any file: the check only means something for an ordinary user
    if (!Files.isReadable(locked)) {
      assertThatThrownBy(() -> TlsMaterial.of(new TlsConfig(node.cert(), locked, null)))
          .hasMessageContaining("cannot read " + locked).hasMessageContaining("needs read access");
    }
    Path notPem = Files.writeString(dir.resolve("junk.pem"), "not a certificate");
    assertThatThrownBy(() -> TlsMaterial.of(new TlsConfig(notPem, node.key(), null)))
        .hasMessageContaining(notPem.toString()).hasMessageContaining("BEGIN CERTIFICATE");
  }

  @Test
  void aKeyThatIsNotTheCertificatesIsRefusedAtStart() {
    TestCertificates ca = TestCertificates.ca(dir, "c");
    TestCertificates.Pair node = ca.issue("node");
    TestCertificates.Pair other = ca.issue("other");
    assertThatThrownBy(() -> TlsMaterial.of(new TlsConfig(node.cert(), other.key(), null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key " + other.key() + " does not belong to certificate " + node.cert());
  }

  @Test
  void aKeyInAnotherFormatIsRefusedWithTheConversionCommand() throws IOException {
    TestCertificates ca = TestCertificates.ca(dir, "c");
    TestCertificates.Pair node = ca.issue("node");
    Path sec1 = Files.writeString(dir.resolve("ec.key"), "-----BEGIN EC PRIVATE KEY-----\nAAAA\n"
        + "-----END EC PRIVATE KEY-----\n");
    assertThatThrownBy(() -> TlsMaterial.of(new TlsConfig(node.cert(), sec1, null)))
        .hasMessageContaining("not an unencrypted PKCS#8 PEM key").hasMessageContaining("openssl pkcs8 -topk8");
  }

  @Test
  void aCertificateThatDoesNotNameTheNodeIsRefused() {
    TestCertificates ca = TestCertificates.ca(dir, "c");
    TestCertificates.Pair node = ca.issue("node");
    TlsMaterial m = TlsMaterial.of(new TlsConfig(node.cert(), node.key(), ca.ca()));
    m.checkNames("127.0.0.1");
    m.checkNames("localhost");
    assertThatThrownBy(() -> m.checkNames("10.1.2.3")).hasMessageContaining("does not name this node's address"
        + " 10.1.2.3").hasMessageContaining("127.0.0.1, localhost").hasMessageContaining("IP:10.1.2.3");
  }
}
