package dev.apitoken.operator.realapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.ConditionAssert;
import dev.apitoken.operator.testing.RunningOperator;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A new operator replica taking over from a stopped one finds every token current from what is on
 * the API server (Secrets, issue records, key ring) and leaves it alone: no token is signed again,
 * no Secret is written and no ApiToken either (its status is already what the new replica would
 * write).
 */
@ExtendWith(RealApi.class)
class RealApiRestartTest {
  private static final String NAMESPACE = "team-restart";
  private static final int TOKENS = 20;
  private static final Duration WAIT = Duration.ofSeconds(60);

  private InstalledOperator installed;
  private KubernetesClient admin;

  /**
   * What a restart must not change: the token (by its SHA-256, so a failure prints no token), where
   * it is, and the Secret object itself.
   */
  private record Issued(String jti, String secretName, String tokenSha256, String secretVersion) {}

  @BeforeEach
  void install(RealApiServer server) {
    installed = new InstalledOperator(server);
    admin = installed.admin();
    installed.createNamespace(NAMESPACE);
  }

  @AfterEach
  void stop() throws Exception {
    installed.deleteApiTokens(NAMESPACE);
    installed.close();
  }

  @Test
  void aNewReplicaReconcilesEveryApiTokenWithoutReissuingOrWritingTheApiTokensOrSecrets() {
    RunningOperator first = installed.startReplica();
    String firstIdentity = installed.awaitLeader(WAIT);
    List<String> names = IntStream.range(0, TOKENS).mapToObj(i -> "svc-" + i).toList();
    names.forEach(n -> admin.resource(ApiTokens.named(n).in(NAMESPACE).build()).create());
    await()
        .atMost(WAIT)
        .until(
            () ->
                names.stream()
                    .allMatch(
                        n ->
                            ConditionAssert.hasCondition(
                                first.get(NAMESPACE, n), Conditions.READY, Conditions.TRUE)));
    Map<String, Issued> before = issued(first, names);
    assertThat(admin.resources(ApiToken.class).inAnyNamespace().list().getItems())
        .as("ApiTokens on the server (the new replica's ready count must mean these)")
        .hasSize(TOKENS);

    first.close();
    int requestsBeforeRestart = AuditLog.read(installed.server().auditLog()).size();
    RunningOperator second = installed.startReplica();
    await("the new replica leads")
        .atMost(WAIT)
        .until(
            () ->
                InstalledOperator.held(installed.lease())
                    && !firstIdentity.equals(InstalledOperator.holder(installed.lease()))
                    && second.operator().leading());
    await("the new replica has reconciled every ApiToken to Ready")
        .atMost(WAIT)
        .until(() -> readyCount(second) == TOKENS);

    assertThat(issued(second, names)).as("every ApiToken's token and Secret").isEqualTo(before);
    Counter signed = second.metrics().find("apitoken.tokens.issued").counter();
    assertThat(signed == null ? 0 : signed.count()).as("tokens the new replica signed").isZero();
    assertThat(
            AuditLog.read(installed.server().auditLog()).stream()
                .skip(requestsBeforeRestart)
                .filter(
                    e ->
                        List.of("secrets", "apitokens").contains(e.resource())
                            && e.namespace().equals(NAMESPACE)
                            && List.of("create", "update", "patch", "delete").contains(e.verb()))
                .map(e -> e.verb() + " " + e.rbacResource() + " " + e.name()))
        .as("writes to the ApiTokens (status included) and their Secrets after the restart")
        .isEmpty();
  }

  /** {@code apitoken_tokens{state="ready"}}: ApiTokens this replica last reconciled as Ready. */
  private static double readyCount(RunningOperator replica) {
    Gauge gauge = replica.metrics().find("apitoken.tokens").tag("state", "ready").gauge();
    return gauge == null ? 0 : gauge.value();
  }

  private static Map<String, Issued> issued(RunningOperator replica, List<String> names) {
    Map<String, Issued> issued = new TreeMap<>();
    for (String name : names) {
      ApiToken token = replica.get(NAMESPACE, name);
      assertThat(ConditionAssert.hasCondition(token, Conditions.READY, Conditions.TRUE))
          .as("%s Ready", name)
          .isTrue();
      String secretName = token.getStatus().getSecretName();
      Secret secret = replica.secret(NAMESPACE, secretName);
      issued.put(
          name,
          new Issued(
              token.getStatus().getJti(),
              secretName,
              sha256(replica.tokenValue(NAMESPACE, secretName)),
              secret.getMetadata().getResourceVersion()));
    }
    return issued;
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException impossible) {
      throw new IllegalStateException(impossible);
    }
  }
}
