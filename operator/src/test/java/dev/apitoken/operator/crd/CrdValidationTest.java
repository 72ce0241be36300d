package dev.apitoken.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The checked-in CRD refuses bad ApiTokens at admission, with a message that names the field and
 * says what to fix. The mock API server used elsewhere checks neither schema nor CEL, so this is
 * where that is proven. An empty expected fragment means "accepted".
 */
class CrdValidationTest {
  private static final String ACCEPTED = "";
  private static final String DURATION = "does not match the regex pattern ^([0-9]+(h|m|s))+$";
  private static final String RENEW_BEFORE_TOO_LONG =
      "$.spec: renewBefore must be at least 5m shorter than ttl";
  private static final String TTL_TOO_SHORT = "$.spec: ttl must be at least 5m";
  private static final String REVOKED_IS_FINAL = "$.spec: revoked cannot be set back to false";
  private static final String SECRET_NAME_IMMUTABLE =
      "$.spec: secretName cannot be added, changed or removed after creation";

  private final Admission admission = Admission.checkedInCrd();

  static Stream<Arguments> creates() {
    return Stream.of(
        arguments("minimal", fixture("minimal.yaml"), ACCEPTED),
        arguments("every field set", fixture("full.yaml"), ACCEPTED),
        arguments(
            "renewBefore without ttl (the operator's default applies)",
            spec("{subject: a, renewBefore: 1h}"),
            ACCEPTED),
        arguments(
            "renewBefore in other units, renewing exactly 5m apart",
            spec("{subject: a, ttl: 2h, renewBefore: 6900s}"),
            ACCEPTED),
        arguments(
            "renewBefore in other units, renewing 4m59s apart",
            spec("{subject: a, ttl: 2h, renewBefore: 6901s}"),
            RENEW_BEFORE_TOO_LONG),
        arguments(
            "ttl 60s with renewBefore 59s (a token every second)",
            spec("{subject: a, ttl: 60s, renewBefore: 59s}"),
            TTL_TOO_SHORT),
        arguments(
            "ttl 1h with renewBefore 59m59s (a token every second)",
            spec("{subject: a, ttl: 1h, renewBefore: 59m59s}"),
            RENEW_BEFORE_TOO_LONG),
        arguments("ttl 5m, the shortest", spec("{subject: a, ttl: 5m}"), ACCEPTED),
        arguments(
            "revokeIssuedBefore with a grace period",
            spec(
                "{subject: a, revokeIssuedBefore: '2026-03-01T00:00:00Z',"
                    + " revokeIssuedBeforeGracePeriod: 10m}"),
            ACCEPTED),
        arguments(
            "revokeIssuedBeforeGracePeriod without revokeIssuedBefore",
            spec("{subject: a, revokeIssuedBeforeGracePeriod: 10m}"),
            "$.spec: revokeIssuedBeforeGracePeriod needs revokeIssuedBefore"),
        arguments(
            "revokeIssuedBefore not a time",
            spec("{subject: a, revokeIssuedBefore: yesterday}"),
            "$.spec.revokeIssuedBefore: does not match"),
        arguments(
            "rotation.previousTokenGracePeriod '10 minutes'",
            spec("{subject: a, rotation: {previousTokenGracePeriod: 10 minutes}}"),
            "$.spec.rotation.previousTokenGracePeriod: " + DURATION),
        arguments("ttl 4m59s", spec("{subject: a, ttl: 4m59s}"), TTL_TOO_SHORT),
        arguments(
            "ttl of 17 times '1h' (17h, but too long a string)",
            spec("{subject: a, ttl: " + "1h".repeat(17) + "}"),
            "$.spec.ttl: must be at most 32 characters long"),
        arguments("32 scopes", spec("{subject: a, scopes: " + scopes(32) + "}"), ACCEPTED),
        arguments("16 audiences", spec("{subject: a, audiences: " + scopes(16) + "}"), ACCEPTED),
        arguments(
            "subject with letters outside ASCII", spec("{subject: 'Zoë 😀 payments'}"), ACCEPTED),
        arguments(
            "subject with a control character inside",
            spec("{subject: \"pay\\u0000ments\"}"),
            "$.spec.subject: does not match the regex pattern"),
        arguments(
            "subject with a line break inside",
            spec("{subject: \"pay\\nments\"}"),
            "$.spec.subject: does not match the regex pattern"),
        arguments(
            "audience with a space",
            spec("{subject: a, audiences: ['orders api']}"),
            "$.spec.audiences[0]: does not match the regex pattern"),
        arguments(
            "audience outside ASCII",
            spec("{subject: a, audiences: ['bestellungen-ü']}"),
            "$.spec.audiences[0]: does not match the regex pattern"),
        arguments(
            "129-character audience",
            spec("{subject: a, audiences: [" + "a".repeat(129) + "]}"),
            "$.spec.audiences[0]: must be at most 128 characters long"),
        arguments(
            "65-character scope",
            spec("{subject: a, scopes: [" + "s".repeat(65) + "]}"),
            "$.spec.scopes[0]: must be at most 64 characters long"),
        arguments(
            "rolloutRestart of a Deployment and a StatefulSet",
            spec(
                "{subject: a, rolloutRestart: [{kind: Deployment, name: orders},"
                    + " {kind: StatefulSet, name: ledger}]}"),
            ""),
        arguments(
            "rolloutRestart of a Job",
            spec("{subject: a, rolloutRestart: [{kind: Job, name: nightly}]}"),
            "$.spec.rolloutRestart[0].kind: does not match the regex pattern"),
        arguments(
            "rolloutRestart without a name",
            spec("{subject: a, rolloutRestart: [{kind: Deployment}]}"),
            "$.spec.rolloutRestart[0]: required property 'name' not found"),
        arguments(
            "21 rolloutRestart targets",
            spec(
                "{subject: a, rolloutRestart: ["
                    + String.join(
                        ", ",
                        java.util.stream.IntStream.range(0, 21)
                            .mapToObj(i -> "{kind: Deployment, name: d" + i + "}")
                            .toList())
                    + "]}"),
            "$.spec.rolloutRestart: must have at most 20 items"),
        arguments(
            "secretTemplate label value of 64 characters",
            spec("{subject: a, secretTemplate: {labels: {team: " + "t".repeat(64) + "}}}"),
            "$.spec.secretTemplate.labels.team: must be at most 63 characters long"),
        arguments(
            "secretTemplate label value with a space",
            spec("{subject: a, secretTemplate: {labels: {team: 'a b'}}}"),
            "$.spec.secretTemplate.labels.team: does not match the regex pattern"),
        arguments(
            "33 secretTemplate labels",
            spec("{subject: a, secretTemplate: {labels: " + entries(33, "v") + "}}"),
            "$.spec.secretTemplate.labels: must have at most 32 properties"),
        arguments(
            "32 secretTemplate annotations of 4096 characters",
            spec(
                "{subject: a, secretTemplate: {annotations: "
                    + entries(32, "a".repeat(4096))
                    + "}}"),
            ACCEPTED),
        arguments(
            "secretTemplate annotation of 4097 characters",
            spec("{subject: a, secretTemplate: {annotations: {note: " + "a".repeat(4097) + "}}}"),
            "$.spec.secretTemplate.annotations.note: must be at most 4096 characters long"),
        arguments(
            "33 secretTemplate annotations",
            spec("{subject: a, secretTemplate: {annotations: " + entries(33, "v") + "}}"),
            "$.spec.secretTemplate.annotations: must have at most 32 properties"),
        arguments(
            "253-character secretName",
            spec("{subject: a, secretName: " + "a".repeat(253) + "}"),
            ACCEPTED),
        arguments("256-character subject", spec("{subject: " + "s".repeat(256) + "}"), ACCEPTED),
        arguments(
            "null ttl is pruned, as the API server does",
            spec("{subject: a, ttl: null}"),
            ACCEPTED),
        arguments(
            "missing subject",
            spec("{ttl: 720h}"),
            "$.spec: required property 'subject' not found"),
        arguments(
            "no spec (not required by the schema; the operator reports it)",
            withoutSpec(),
            ACCEPTED),
        arguments(
            "empty subject",
            spec("{subject: ''}"),
            "$.spec.subject: must be at least 1 characters long"),
        arguments(
            "subject with leading space",
            spec("{subject: ' payments-api'}"),
            "$.spec.subject: does not match the regex pattern"),
        arguments(
            "subject with trailing space",
            spec("{subject: 'payments-api '}"),
            "$.spec.subject: does not match the regex pattern"),
        arguments(
            "257-character subject",
            spec("{subject: " + "s".repeat(257) + "}"),
            "$.spec.subject: must be at most 256 characters long"),
        arguments("ttl '30 days'", spec("{subject: a, ttl: 30 days}"), "$.spec.ttl: " + DURATION),
        arguments("ttl '0s'", spec("{subject: a, ttl: 0s}"), TTL_TOO_SHORT),
        arguments(
            "scope with a space in a list",
            spec("{subject: a, scopes: [orders:read, 'orders write']}"),
            "$.spec.scopes[1]: "),
        arguments(
            "ttl '1d' (days are not a CRD unit)",
            spec("{subject: a, ttl: 1d}"),
            "$.spec.ttl: " + DURATION),
        arguments(
            "ttl as a number",
            spec("{subject: a, ttl: 720}"),
            "$.spec.ttl: integer found, string expected"),
        arguments(
            "renewBefore 'abc'",
            spec("{subject: a, renewBefore: abc}"),
            "$.spec.renewBefore: " + DURATION),
        arguments(
            "renewBefore equal to ttl",
            spec("{subject: a, ttl: 720h, renewBefore: 720h}"),
            RENEW_BEFORE_TOO_LONG),
        arguments(
            "renewBefore equal to ttl in other units",
            spec("{subject: a, ttl: 12h, renewBefore: 720m}"),
            RENEW_BEFORE_TOO_LONG),
        arguments(
            "renewBefore longer than ttl",
            spec("{subject: a, ttl: 24h, renewBefore: 168h}"),
            RENEW_BEFORE_TOO_LONG),
        arguments(
            "secretName 'Bad_Name'",
            spec("{subject: a, secretName: Bad_Name}"),
            "$.spec.secretName: does not match the regex pattern"),
        arguments(
            "secretName '-x'",
            spec("{subject: a, secretName: '-x'}"),
            "$.spec.secretName: does not match the regex pattern"),
        arguments(
            "254-character secretName",
            spec("{subject: a, secretName: " + "a".repeat(254) + "}"),
            "$.spec.secretName: must be at most 253 characters long"),
        arguments(
            "33 scopes",
            spec("{subject: a, scopes: " + scopes(33) + "}"),
            "$.spec.scopes: must have at most 32 items"),
        arguments(
            "17 audiences",
            spec("{subject: a, audiences: " + scopes(17) + "}"),
            "$.spec.audiences: must have at most 16 items"),
        arguments(
            "revoked: \"yes\"",
            spec("{subject: a, revoked: 'yes'}"),
            "$.spec.revoked: string found, boolean expected"),
        arguments(
            "misspelt field (strict field validation)",
            spec("{subjet: a, subject: a}"),
            "$.spec: property 'subjet' is not defined in the schema"),
        arguments(
            "secretTemplate label that is not a string",
            spec("{subject: a, secretTemplate: {labels: {team: [a]}}}"),
            "$.spec.secretTemplate.labels.team: array found, string expected"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("creates")
  void create(String name, Map<String, Object> apiToken, String expected) {
    assertVerdict(admission.create(apiToken), expected);
  }

  static Stream<Arguments> updates() {
    return Stream.of(
        arguments(
            "revoked false -> true",
            "{subject: a, revoked: false}",
            "{subject: a, revoked: true}",
            ACCEPTED),
        arguments("revoked unset -> true", "{subject: a}", "{subject: a, revoked: true}", ACCEPTED),
        arguments(
            "revoked true -> true, ttl changed",
            "{subject: a, revoked: true}",
            "{subject: a, revoked: true, ttl: 1h}",
            ACCEPTED),
        arguments(
            "revoked true -> false",
            "{subject: a, revoked: true}",
            "{subject: a, revoked: false}",
            REVOKED_IS_FINAL),
        arguments(
            "revoked true -> removed",
            "{subject: a, revoked: true}",
            "{subject: a}",
            REVOKED_IS_FINAL),
        arguments(
            "secretName unchanged",
            "{subject: a, secretName: s}",
            "{subject: b, secretName: s}",
            ACCEPTED),
        arguments(
            "secretName changed",
            "{subject: a, secretName: s}",
            "{subject: a, secretName: t}",
            SECRET_NAME_IMMUTABLE),
        arguments(
            "secretName removed",
            "{subject: a, secretName: s}",
            "{subject: a}",
            SECRET_NAME_IMMUTABLE),
        arguments(
            "secretName added after create (the default name was in use)",
            "{subject: a}",
            "{subject: a, secretName: s}",
            SECRET_NAME_IMMUTABLE),
        arguments(
            "renewBefore made too long on update",
            "{subject: a, ttl: 2h}",
            "{subject: a, ttl: 2h, renewBefore: 3h}",
            RENEW_BEFORE_TOO_LONG));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("updates")
  void update(String name, String oldSpec, String newSpec, String expected) {
    assertVerdict(admission.update(spec(oldSpec), spec(newSpec)), expected);
  }

  @Test
  void everyRuleCompilesAndOnlyTheOldSelfRulesAreTransitionRules() {
    assertThat(admission.rules().rules())
        .extracting(r -> r.schemaPath() + " " + r.transition() + " " + r.message().split(":")[0])
        .containsExactly(
            "$.spec false renewBefore must be at least 5m shorter than ttl, so that renewals are"
                + " at least 5m apart, e.g. ttl",
            "$.spec false ttl must be at least 5m (tokens are renewed at most every 5m), e.g."
                + " 720h",
            "$.spec true secretName cannot be added, changed or removed after creation",
            "$.spec true revoked cannot be set back to false",
            "$.spec false revokeIssuedBeforeGracePeriod needs revokeIssuedBefore");
  }

  @Test
  void transitionRulesAreSkippedOnCreate() {
    // Would fail both transition rules if they ran with oldSelf absent or equal to an empty spec.
    assertThat(admission.create(spec("{subject: a, secretName: s, revoked: false}"))).isEmpty();
  }

  @Test
  void schemaTypeErrorsStopCelEvaluationAsInTheApiServer() {
    assertThat(admission.create(spec("{subject: a, ttl: 1h, renewBefore: [2h]}")))
        .extracting(Violation::toString)
        .contains("$: " + Admission.RULES_NOT_CHECKED)
        .noneMatch(v -> v.contains("renewBefore must be shorter"));
  }

  @Test
  void scopeWithASpaceIsRefused() {
    assertVerdict(
        admission.create(spec("{subject: a, scopes: ['orders read']}")),
        "$.spec.scopes[0]: does not match the regex pattern");
  }

  private static void assertVerdict(List<Violation> violations, String expected) {
    List<String> messages = violations.stream().map(Violation::toString).toList();
    if (expected.isEmpty()) {
      assertThat(messages).as("violations").isEmpty();
    } else {
      assertThat(messages).as("violations").anyMatch(m -> m.contains(expected));
    }
  }

  /** The minimal fixture with its spec replaced by {@code specYaml} (flow-style YAML). */
  static Map<String, Object> spec(String specYaml) {
    Map<String, Object> apiToken = fixture("minimal.yaml");
    apiToken.put("spec", CrdSchema.parse(specYaml));
    return apiToken;
  }

  private static Map<String, Object> withoutSpec() {
    Map<String, Object> apiToken = fixture("minimal.yaml");
    apiToken.remove("spec");
    return apiToken;
  }

  static Map<String, Object> fixture(String name) {
    try (InputStream in = CrdValidationTest.class.getResourceAsStream("/crd/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture crd/" + name);
      }
      return new LinkedHashMap<>(
          CrdSchema.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String entries(int count, String value) {
    return IntStream.rangeClosed(1, count)
        .mapToObj(i -> "k" + i + ": " + value)
        .collect(Collectors.joining(", ", "{", "}"));
  }

  private static String scopes(int count) {
    return IntStream.rangeClosed(1, count)
        .mapToObj(i -> "s" + i)
        .collect(Collectors.joining(", ", "[", "]"));
  }
}
