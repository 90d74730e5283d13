package io.jray.cli;

import io.jray.common.grpc.TlsConfig;
import io.jray.common.grpc.TlsMaterial;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The {@code --tls-*} flags of the commands that start JRay processes ({@code start},
 * {@code microbenchmark}). Given flags replace {@code JRAY_TLS_*}; none given keeps them.
 */
final class TlsOptions {
  @Option(names = "--tls-cert", paramLabel = "FILE",
      description = "PEM certificate (chain) of this node: turns TLS on for every server and channel")
  Path cert;

  @Option(names = "--tls-key", paramLabel = "FILE", description = "unencrypted PKCS#8 PEM key of --tls-cert")
  Path key;

  @Option(names = "--tls-ca", paramLabel = "FILE",
      description = "PEM CA certificate: mutual TLS (peers must present a certificate it signed)")
  Path ca;

  /**
   * The settings to run with, checked now (files readable, key matching, certificate naming
   * {@code host}), and made this JVM's system properties so every process it starts gets them.
   */
  TlsConfig apply(String host) {
    TlsConfig tls = cert == null && key == null && ca == null ? TlsConfig.fromConfig() : new TlsConfig(cert, key, ca);
    if (tls.enabled()) {
      TlsMaterial.of(tls).checkNames(host);
    }
    tls.setSystemProperties();
    return tls;
  }
}
