package dev.apitoken.operator.config;

import java.time.Duration;
import java.util.Set;

/**
 * Everything an installation tunes. Built by {@link ConfigLoader} from flags and environment
 * variables; every value is already validated.
 *
 * @param keyLossReissueLimit at most this many tokens signed by a lost key are reissued per {@code
 *     keyLossReissueInterval}; the rest wait their turn
 * @param statusListValidity {@code exp - iat} of every Status List Token; re-signed at a quarter
 * @param statusListTtl the Status List Token's {@code ttl} and the provider's {@code max-age}
 * @param statusPort the port of the Status List provider (HTTP, every replica)
 * @param statusMaxWaiters long-polls held open at once; more are refused with 503
 */
public record OperatorConfig(
    String issuer,
    Duration defaultTtl,
    Duration maxTtl,
    Duration keyRotationPeriod,
    String operatorNamespace,
    String trustConfigMapName,
    String keyRingSecretName,
    String statusListUri,
    Set<String> watchNamespaces,
    String targetNamespaceSelector,
    boolean leaderElection,
    String leaseName,
    int httpPort,
    String logFormat,
    String logLevel,
    int keyLossReissueLimit,
    Duration keyLossReissueInterval,
    Duration statusListValidity,
    Duration statusListTtl,
    int statusPort,
    int statusMaxWaiters) {

  /** Name of the ConfigMap (operator namespace) that records reserved status-list indices. */
  public String stateConfigMapName() {
    return trustConfigMapName + "-state";
  }

  /** Name prefix of the revocation store's shards (operator namespace): {@code <prefix>-<n>}. */
  public String issueRecordsConfigMapPrefix() {
    return trustConfigMapName + "-issued";
  }

  public boolean watchesAllNamespaces() {
    return watchNamespaces.isEmpty();
  }
}
