package dev.apitoken.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeout;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.ApiTokenSpec;
import dev.apitoken.operator.config.ConfigLoader;
import dev.apitoken.operator.kubernetes.Failures;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.HostileSpecs;
import dev.apitoken.operator.token.Durations;
import dev.apitoken.operator.token.ReissuePolicy;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.OperatorException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SpecResolverTest {
  private final SpecResolver resolver =
      new SpecResolver(
          ConfigLoader.load(
              new String[] {"--max-ttl=2160h", "--default-ttl=720h"},
              Map.of("POD_NAMESPACE", "ops")));

  static Stream<Arguments> invalid() {
    return Stream.of(
        row("no subject", s -> s.setSubject(null), "spec.subject is required"),
        row(
            "blank subject",
            s -> s.setSubject(" x"),
            "spec.subject \" x\" is not allowed: use 1-256 characters"),
        row(
            "scope with space",
            s -> s.setScopes(List.of("a b")),
            "spec.scopes[0] \"a b\" is not a single OAuth scope"),
        row(
            "empty audience",
            s -> s.setAudiences(List.of("")),
            "spec.audiences[0] \"\" is not a valid audience"),
        row(
            "bad secret name",
            s -> s.setSecretName("Bad_Name"),
            "spec.secretName \"Bad_Name\" is not a valid Secret name"),
        row("ttl in days", s -> s.setTtl("30d"), "spec.ttl \"30d\" is not a duration"),
        row(
            "ttl above max",
            s -> s.setTtl("3000h"),
            "spec.ttl 3000h exceeds the operator's maximum of 2160h"),
        row("ttl too short", s -> s.setTtl("30s"), "spec.ttl 30s is too short: use at least 5m"),
        row(
            "ttl 60s with renewBefore 59s (a token every second)",
            s -> {
              s.setTtl("60s");
              s.setRenewBefore("59s");
            },
            "spec.ttl 60s is too short: use at least 5m"),
        row(
            "renewals 1s apart",
            s -> {
              s.setTtl("1h");
              s.setRenewBefore("59m59s");
            },
            "spec.renewBefore 59m59s would renew the token every 1s: renewals must be at least 5m"
                + " apart, so with a ttl of 1h set spec.renewBefore to at most 55m"),
        row(
            "ttl of 3000 times 1h (overflowed the stack of the old regex pre-check)",
            s -> s.setTtl("1h".repeat(3000)),
            "spec.ttl \"1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h\"... (6000 characters) is not a"
                + " duration"),
        row(
            "secretName of 3000 dot-separated parts",
            s -> s.setSecretName("a.".repeat(3000) + "a"),
            "spec.secretName \"a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.\"... (6001 characters) is"
                + " not a valid Secret name"),
        row(
            "subject with a control character, shown escaped",
            s -> s.setSubject("pay\u0000ments"),
            "spec.subject \"pay\\u0000ments\" is not allowed"),
        row(
            "subject with a lone surrogate",
            s -> s.setSubject("pay\uD800ments"),
            "spec.subject \"pay\\uD800ments\" is not allowed"),
        row(
            "subject with a right-to-left override",
            s -> s.setSubject("pay\u202Ements"),
            "spec.subject \"pay\\u202Ements\" is not allowed"),
        row(
            "renewBefore not shorter",
            s -> {
              s.setTtl("10h");
              s.setRenewBefore("10h");
            },
            "spec.renewBefore 10h must be shorter than the ttl (10h)"),
        row(
            "revokeAt not RFC 3339",
            s -> s.setRevokeAt("tomorrow"),
            "spec.revokeAt \"tomorrow\" is not an RFC 3339 time"));
  }

  private static Arguments row(String name, Consumer<ApiTokenSpec> change, String message) {
    return arguments(name, change, message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void refusesWithAMessageThatSaysWhatToFix(
      String name, Consumer<ApiTokenSpec> change, String message) {
    ApiTokenSpec spec = ApiTokens.named("t").build().getSpec();
    change.accept(spec);
    SpecResolver.Resolution resolution = resolver.resolve(spec);
    assertThat(resolution.valid()).isFalse();
    assertThat(resolution.problem()).contains(message);
  }

  static List<HostileSpecs.HostileSpec> hostile() {
    return HostileSpecs.load();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostile")
  void hostileValuesAreRefusedQuicklyWithAMessageThatSaysWhatToFix(
      HostileSpecs.HostileSpec hostile) {
    ApiToken apiToken = ApiTokens.named("hostile").build();
    apiToken.setSpec(hostile.spec());
    SpecResolver.Resolution resolution =
        assertTimeout(Duration.ofSeconds(2), () -> resolver.resolve(apiToken));
    assertThat(resolution.valid()).isFalse();
    assertThat(resolution.problem())
        .contains(hostile.fix())
        .hasSizeLessThan(1024)
        .doesNotContainPattern("[\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}]");
  }

  @Test
  void aTtlThatDoesNotDivideByThreeResolvesInsteadOfThrowing() {
    ApiTokenSpec spec = ApiTokens.named("t").ttl("1h1s").build().getSpec();
    var desired = resolver.resolve(spec).desired();
    assertThat(desired.renewBefore()).isEqualTo(Duration.ofSeconds(1200));
  }

  @Test
  void theShortestTtlRenewsNoMoreOftenThanTheMinimumInterval() {
    var desired = resolver.resolve(ApiTokens.named("t").ttl("6m").build().getSpec()).desired();
    assertThat(desired.ttl().minus(desired.renewBefore()))
        .isEqualTo(ReissuePolicy.MINIMUM_RENEWAL_INTERVAL);
  }

  @Test
  void theCrdAndTheResolverUseTheSameMinimumRenewalInterval() {
    assertThat(Durations.parse(ApiTokenSpec.MINIMUM_RENEWAL_INTERVAL))
        .isEqualTo(ReissuePolicy.MINIMUM_RENEWAL_INTERVAL)
        .isEqualTo(SpecResolver.MINIMUM_TTL);
  }

  @Test
  void aSpecWhoseTokenWouldNotFitTheVerifierIsRefusedBeforeSigning() {
    SpecResolver longIssuer =
        new SpecResolver(
            ConfigLoader.load(
                new String[] {"--issuer=https://" + "i".repeat(6000) + ".example"},
                Map.of("POD_NAMESPACE", "ops")));
    SpecResolver.Resolution resolution =
        longIssuer.resolve(ApiTokens.named("t").scopes("orders:read").build().getSpec());
    assertThat(resolution.problem())
        .startsWith("the token would be up to ")
        .contains("over the 8192 that verifiers accept by default");
  }

  @Test
  void aNameTooLongForTheDefaultSecretNameIsRefusedBeforeSigning() {
    var apiToken = ApiTokens.named("n".repeat(250)).subject("payments").build();
    assertThat(resolver.resolve(apiToken).problem())
        .isEqualTo(
            "the default Secret name (the ApiToken's name followed by -token) would be 256"
                + " characters, over Kubernetes' limit of 253: set spec.secretName");
    apiToken.getSpec().setSecretName("short");
    assertThat(resolver.resolve(apiToken).valid()).isTrue();
  }

  @Test
  void defaultsTtlAndRenewBefore() {
    var desired = resolver.resolve(ApiTokens.named("t").build().getSpec()).desired();
    assertThat(desired.ttl()).isEqualTo(Duration.ofHours(720));
    assertThat(desired.renewBefore()).isEqualTo(Duration.ofHours(240));
    assertThat(desired.issuer()).isEqualTo("https://apitoken-operator.local");
  }

  @Test
  void failuresAreDescribedWithoutTheRequestBody() {
    var refused =
        new KubernetesClientException(
            new StatusBuilder()
                .withCode(422)
                .withReason("Invalid")
                .withMessage("data[token]: eyJhbGciOi...")
                .build());
    assertThat(Failures.describe(new CompletionException(refused)))
        .isEqualTo("the Kubernetes API answered 422 Invalid")
        .doesNotContain("eyJ");
  }

  @Test
  void failuresWrappedByTheFrameworkAreDescribedByTheApiErrorAndTheObject() {
    var refused =
        new KubernetesClientException(
            new StatusBuilder()
                .withCode(403)
                .withReason("Forbidden")
                .withMessage("secrets \"x-token\" is forbidden: eyJhbGciOi...")
                .withNewDetails()
                .withKind("secrets")
                .withName("x-token")
                .endDetails()
                .build());
    var wrapped =
        new OperatorException(
            "dependent failed", new CompletionException(new RuntimeException("wrapper", refused)));
    assertThat(Failures.describe(wrapped))
        .isEqualTo("the Kubernetes API answered 403 Forbidden for secrets x-token")
        .doesNotContain("eyJ")
        .doesNotContain("OperatorException");
  }

  @Test
  void anErrorIsDescribedAsAnInternalErrorWithoutItsMessage() {
    var error = new ReconcileError(new StackOverflowError("1h1h1h1h"));
    assertThat(Failures.describe(error)).isEqualTo("an internal error (StackOverflowError)");
  }
}
