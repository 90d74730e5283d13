package io.jray.cli;

import io.jray.common.config.JRayConfig;
import io.jray.common.grpc.TlsConfig;
import io.jray.common.session.SessionDir;
import java.util.Optional;

/**
 * Which cluster a CLI command talks to, and with which token: flag, JRAY_ADDRESS, then the latest
 * session. A cluster found in the latest session also lends its TLS settings when the command has
 * none of its own ({@link TlsConfig#adoptUnlessSet}).
 */
record ClusterTarget(String address, String token) {
  static ClusterTarget resolve(String addressFlag) {
    String address = addressFlag != null ? addressFlag : JRayConfig.get(JRayConfig.ADDRESS);
    Optional<SessionDir> latest = SessionDir.latest();
    if (address == null || address.isBlank()) {
      address = latest.flatMap(SessionDir::gcsAddress).orElseThrow(() -> new IllegalArgumentException(
          "no cluster address: pass --address HOST:PORT, set JRAY_ADDRESS, or start one with 'jray start --head'"));
    }
    String a0 = address;
    TlsConfig.adoptUnlessSet(latest.filter(s -> s.gcsAddress().map(a0::equals).orElse(false)).flatMap(SessionDir::tls));
    String token = JRayConfig.get(JRayConfig.AUTH_TOKEN);
    if (token.isBlank()) {
      String a = address;
      token = latest.filter(s -> s.gcsAddress().map(a::equals).orElse(false)).map(SessionDir::token)
          .orElseThrow(() -> new IllegalArgumentException("no token for " + a
              + ": set JRAY_AUTH_TOKEN to the content of the cluster's <session>/token file"));
    }
    return new ClusterTarget(address, token);
  }
}
