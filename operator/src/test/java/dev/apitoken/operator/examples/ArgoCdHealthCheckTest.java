package dev.apitoken.operator.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.ApiTokenStatus;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.ArgoCdHealthScript;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Argo CD health check in {@code examples/argocd/} gives the documented status for every state
 * an ApiToken can be in, run as Argo CD runs it ({@link ArgoCdHealthScript}).
 */
class ArgoCdHealthCheckTest {
  static final Path ARGOCD = ArgoCdHealthScript.ARGOCD;
  private static final String CM_KEY = "resource.customizations.health.apitoken.dev_ApiToken";

  /** What the script returned: Argo CD reads exactly these two fields. */
  record Health(String status, String message) {}

  static Stream<Arguments> states() {
    return Stream.of(
        Arguments.of(
            "not reconciled yet", withoutStatus(), "Progressing", "Waiting for the operator"),
        Arguments.of(
            "spec changed, status is for the previous generation",
            token(2, 1, ready(Conditions.TRUE, Conditions.REASON_ISSUED, "token a is valid", 1)),
            "Progressing",
            "generation 2"),
        Arguments.of(
            "status current but Ready is for an older generation",
            token(3, 3, ready(Conditions.TRUE, Conditions.REASON_ISSUED, "token a is valid", 2)),
            "Progressing",
            "generation 3"),
        Arguments.of("no Ready condition yet", token(1, 1), "Progressing", "first token"),
        Arguments.of(
            "Ready Unknown",
            token(1, 1, ready(Conditions.UNKNOWN, "Issuing", "issuing the first token", 1)),
            "Progressing",
            "Issuing: issuing the first token"),
        Arguments.of(
            "issued",
            token(
                1,
                1,
                ready(
                    Conditions.TRUE,
                    Conditions.REASON_ISSUED,
                    "token abc is valid until 2026-12-01T00:00:00Z",
                    1)),
            "Healthy",
            "Issued: token abc is valid until 2026-12-01T00:00:00Z"),
        Arguments.of(
            "issued, revocation scheduled",
            token(
                1,
                1,
                ready(Conditions.TRUE, Conditions.REASON_ISSUED, "token abc is valid", 1),
                condition(
                    Conditions.REVOKED,
                    Conditions.FALSE,
                    Conditions.REASON_SCHEDULED,
                    "the token will be revoked at 2099-01-01T00:00:00Z",
                    1)),
            "Healthy",
            "Scheduled: the token will be revoked at 2099-01-01T00:00:00Z"),
        Arguments.of(
            "invalid spec: stalled",
            token(
                1,
                1,
                ready(
                    Conditions.FALSE,
                    Conditions.REASON_INVALID_SPEC,
                    "spec.ttl 9000h exceeds the operator's maximum of 8760h: lower spec.ttl",
                    1),
                condition(
                    Conditions.STALLED,
                    Conditions.TRUE,
                    Conditions.REASON_INVALID_SPEC,
                    "spec.ttl 9000h exceeds the operator's maximum of 8760h: lower spec.ttl",
                    1)),
            "Degraded",
            "InvalidSpec: spec.ttl 9000h exceeds the operator's maximum of 8760h: lower spec.ttl"),
        Arguments.of(
            "issuing failed, retried: reconciling",
            token(
                2,
                2,
                ready(
                    Conditions.FALSE,
                    Conditions.REASON_ISSUE_FAILED,
                    "issuing failed, retrying: the Kubernetes API answered 403",
                    2),
                condition(
                    Conditions.RECONCILING,
                    Conditions.TRUE,
                    Conditions.REASON_ISSUE_FAILED,
                    "issuing failed, retrying: the Kubernetes API answered 403",
                    2)),
            "Progressing",
            "IssueFailed: issuing failed, retrying"),
        Arguments.of(
            "revoked, not yet in every namespace",
            revoked(
                condition(
                    Conditions.REVOCATION_PUBLISHED,
                    Conditions.FALSE,
                    Conditions.REASON_PUBLISHING,
                    "recorded; being written to 3 target namespace(s)",
                    2)),
            "Progressing",
            "Publishing: recorded; being written to 3 target namespace(s)"),
        Arguments.of("revoked, publication not reported yet", revoked(), "Progressing", "Revoked;"),
        Arguments.of(
            "revoked and published",
            revoked(
                condition(
                    Conditions.REVOCATION_PUBLISHED,
                    Conditions.TRUE,
                    Conditions.REASON_PUBLISHED,
                    "1 token(s) revoked in the status list of all 3 target namespace(s)",
                    2)),
            "Suspended",
            "Revoked at 2026-11-01T10:00:00Z: token leaked in CI logs"));
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @MethodSource("states")
  void healthOfEachState(String state, ApiToken apiToken, String status, String message)
      throws IOException {
    Health health = evaluate(apiToken);

    assertThat(health.status()).as(state).isEqualTo(status);
    assertThat(health.message()).as(state).contains(message);
  }

  @Test
  void revokedWithoutAReasonSaysWhatRevokedIt() throws IOException {
    ApiToken apiToken =
        revoked(
            condition(
                Conditions.REVOCATION_PUBLISHED,
                Conditions.TRUE,
                Conditions.REASON_PUBLISHED,
                "published",
                2));
    apiToken.getStatus().setRevocationReason(null);

    assertThat(evaluate(apiToken))
        .isEqualTo(
            new Health("Suspended", "Revoked at 2026-11-01T10:00:00Z: revoked by spec.revoked"));
  }

  @Test
  void theArgoCdConfigMapPatchCarriesTheScriptVerbatim() throws IOException {
    JsonNode patch = new YAMLMapper().readTree(ARGOCD.resolve("argocd-cm-patch.yaml").toFile());

    assertThat(patch.path("metadata").path("name").asText()).isEqualTo("argocd-cm");
    assertThat(patch.path("data").path(CM_KEY).asText()).isEqualTo(script());
  }

  /** Runs the health check on {@code apiToken} as Argo CD would see it from the API server. */
  static Health evaluate(ApiToken apiToken) throws IOException {
    ArgoCdHealthScript.Health health = ArgoCdHealthScript.evaluate(apiToken);
    return new Health(health.status(), health.message());
  }

  static String script() throws IOException {
    return ArgoCdHealthScript.script();
  }

  private static ApiToken withoutStatus() {
    ApiToken apiToken = ApiTokens.named("orders-reader").in("shop").build();
    apiToken.getMetadata().setGeneration(1L);
    apiToken.setStatus(null);
    return apiToken;
  }

  private static ApiToken token(long generation, long observed, Condition... conditions) {
    ApiToken apiToken = ApiTokens.named("orders-reader").in("shop").build();
    apiToken.getMetadata().setGeneration(generation);
    ApiTokenStatus status = new ApiTokenStatus();
    status.setObservedGeneration(observed);
    status.setConditions(new ArrayList<>(List.of(conditions)));
    apiToken.setStatus(status);
    return apiToken;
  }

  private static ApiToken revoked(Condition... more) {
    List<Condition> conditions = new ArrayList<>();
    conditions.add(
        ready(
            Conditions.FALSE,
            Conditions.REASON_REVOKED,
            "revoked at 2026-11-01T10:00:00Z: token leaked in CI logs",
            2));
    conditions.add(
        condition(
            Conditions.REVOKED,
            Conditions.TRUE,
            Conditions.REASON_REVOKED,
            "revoked by spec.revoked",
            2));
    conditions.addAll(List.of(more));
    ApiToken apiToken = token(2, 2, conditions.toArray(Condition[]::new));
    apiToken.getSpec().setRevoked(true);
    apiToken.getStatus().setRevokedAt("2026-11-01T10:00:00Z");
    apiToken.getStatus().setRevocationReason("token leaked in CI logs");
    return apiToken;
  }

  private static Condition ready(String status, String reason, String message, long generation) {
    return condition(Conditions.READY, status, reason, message, generation);
  }

  private static Condition condition(
      String type, String status, String reason, String message, long generation) {
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .withObservedGeneration(generation)
        .withLastTransitionTime("2026-11-01T10:00:00Z")
        .build();
  }
}
