package dev.apitoken.operator.realapi;

import dev.apitoken.operator.testing.RunningOperator;
import dev.apitoken.verifier.KubeletVolume;
import dev.apitoken.verifier.TokenVerifier;
import dev.apitoken.verifier.Verdict;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * A workload's view of a trust copy: the ConfigMap as the kubelet mounts it, read by the verifier.
 */
final class MountedTrust {
  private MountedTrust() {}

  /**
   * What a workload in {@code namespace} mounting its trust copy would conclude of {@code token}.
   */
  static Verdict verify(RunningOperator replica, String namespace, String token)
      throws IOException {
    return verify(
        replica.trustConfigMap(namespace), replica.config().issuer(), replica.clock(), token);
  }

  /**
   * What a workload in {@code namespace} mounting the trust copy of {@code installed} would
   * conclude of {@code token} now (for an operator running in its own JVM, on the real clock).
   */
  static Verdict verify(InstalledOperator installed, String namespace, String token)
      throws IOException {
    ConfigMap trust =
        installed
            .admin()
            .configMaps()
            .inNamespace(namespace)
            .withName(installed.trustConfigMapName())
            .get();
    return verify(trust, installed.issuer(), Clock.systemUTC(), token);
  }

  private static Verdict verify(ConfigMap trust, String issuer, Clock clock, String token)
      throws IOException {
    Path dir = Files.createTempDirectory("realapi-trust-");
    new KubeletVolume(dir).publish(Map.copyOf(trust.getData()));
    try (TokenVerifier verifier =
        TokenVerifier.builder()
            .trustDirectory(dir)
            .expectedIssuer(issuer)
            .clock(clock)
            .watch(false)
            .build()) {
      return verifier.verify(token);
    }
  }
}
