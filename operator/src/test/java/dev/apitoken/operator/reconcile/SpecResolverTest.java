package dev.apitoken.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.apitoken.operator.api.ApiTokenSpec;
import dev.apitoken.operator.config.ConfigLoader;
import dev.apitoken.operator.testing.ApiTokens;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
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
        row("blank subject", s -> s.setSubject(" x"), "spec.subject must be 1-256 characters"),
        row(
            "scope with space",
            s -> s.setScopes(List.of("a b")),
            "spec.scopes entry \"a b\" is not a single OAuth scope"),
        row(
            "empty audience",
            s -> s.setAudiences(List.of("")),
            "spec.audiences entries must be non-empty"),
        row(
            "bad secret name",
            s -> s.setSecretName("Bad_Name"),
            "spec.secretName \"Bad_Name\" is not a valid Secret name"),
        row("ttl in days", s -> s.setTtl("30d"), "spec.ttl \"30d\" is not a duration"),
        row(
            "ttl above max",
            s -> s.setTtl("3000h"),
            "spec.ttl 3000h exceeds the operator's maximum of 2160h"),
        row("ttl too short", s -> s.setTtl("30s"), "spec.ttl 30s is too short"),
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
    assertThat(ApiTokenReconciler.describe(new CompletionException(refused)))
        .isEqualTo("the Kubernetes API answered 422 Invalid")
        .doesNotContain("eyJ");
  }
}
