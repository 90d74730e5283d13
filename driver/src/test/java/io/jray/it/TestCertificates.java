package io.jray.it;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A CA made at run time, and PEM files of certificates it issues, for TLS tests: EC P-256, valid
 * from a day ago for a week, node certificates naming 127.0.0.1 and localhost.
 */
final class TestCertificates {
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());
  private final Path dir;
  private final String name;
  private final KeyPair caKeys;
  private final X509Certificate caCert;

  /** A PEM certificate file and its key file. */
  record Pair(Path cert, Path key) {}

  private TestCertificates(Path dir, String name) throws GeneralSecurityException, IOException {
    this.dir = dir;
    this.name = name;
    this.caKeys = keys();
    X500Name subject = new X500Name("CN=" + name);
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(), from(), until(), subject,
        caKeys.getPublic()).addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    this.caCert = sign(b, caKeys.getPrivate());
    write(ca(), caCert);
  }

  /** A new CA called {@code name}, its certificate in {@code dir/<name>-ca.pem}. */
  static TestCertificates ca(Path dir, String name) {
    try {
      Files.createDirectories(dir);
      return new TestCertificates(dir, name);
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot make test CA " + name, e);
    }
  }

  Path ca() {
    return dir.resolve(name + "-ca.pem");
  }

  /** A certificate issued by this CA for {@code 127.0.0.1} and {@code localhost}. */
  Pair issue(String cn) {
    try {
      KeyPair k = keys();
      GeneralNames sans = new GeneralNames(new GeneralName[] {new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
          new GeneralName(GeneralName.dNSName, "localhost")});
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, serial(), from(), until(),
          new X500Name("CN=" + cn), k.getPublic()).addExtension(Extension.subjectAlternativeName, false, sans)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      Pair p = new Pair(dir.resolve(name + "-" + cn + ".pem"), dir.resolve(name + "-" + cn + ".key"));
      write(p.cert(), sign(b, caKeys.getPrivate()));
      write(p.key(), new JcaPKCS8Generator(k.getPrivate(), null));
      return p;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot issue test certificate " + cn, e);
    }
  }

  private static KeyPair keys() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey by) throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA")
          .build(by)));
    } catch (org.bouncycastle.operator.OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static void write(Path file, Object pem) {
    StringWriter s = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(s)) {
      w.writeObject(pem);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      Files.writeString(file, s.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static BigInteger serial() {
    return BigInteger.valueOf(SERIAL.incrementAndGet());
  }

  private static Date from() {
    return new Date(System.currentTimeMillis() - 86_400_000L);
  }

  private static Date until() {
    return new Date(System.currentTimeMillis() + 7 * 86_400_000L);
  }
}
