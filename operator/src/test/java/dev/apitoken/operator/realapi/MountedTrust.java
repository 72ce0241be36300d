package dev.apitoken.operator.realapi;

import dev.apitoken.operator.testing.RunningOperator;
import dev.apitoken.verifier.KubeletVolume;
import dev.apitoken.verifier.TokenVerifier;
import dev.apitoken.verifier.Verdict;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
    ConfigMap trust = replica.trustConfigMap(namespace);
    Path dir = Files.createTempDirectory("realapi-trust-");
    new KubeletVolume(dir).publish(Map.copyOf(trust.getData()));
    try (TokenVerifier verifier =
        TokenVerifier.builder()
            .trustDirectory(dir)
            .expectedIssuer(replica.config().issuer())
            .clock(replica.clock())
            .watch(false)
            .build()) {
      return verifier.verify(token);
    }
  }
}
