package dev.apitoken.operator.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.provider.PublishedFiles;
import dev.apitoken.operator.provider.StatusListProvider;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.store.Fabric8ConfigMaps;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import dev.apitoken.verifier.Rejection;
import dev.apitoken.verifier.TokenVerifier;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With the chart's default values, a revocation reaches the gateway within a second: the operator
 * runs with the environment the chart renders (issuer, status list URI), its Status List provider
 * serves, and a verifier is built as the gateway builds it from the arguments the chart renders
 * ({@code --issuer}, {@code --trust-url}, {@code --trust-dir}, {@code --cache-size}), its trust
 * directory a copy of the trust ConfigMap that the kubelet would not refresh for a minute. The
 * Service's DNS name resolves only inside a cluster: here the provider listens on 127.0.0.1, and
 * the same address replaces that name in both the status list URI and the trust URL, which keeps
 * what the chart guarantees (one origin).
 */
@EnableKubernetesMockClient(crud = true)
class ChartDefaultsRevocationLatencyTest {
  private static final String NAMESPACE = "shop";

  static KubernetesClient client;

  @TempDir Path mountedTrust;

  @Test
  void aRevocationReachesTheGatewaysVerifierWithinASecondWithDefaultValues() throws Exception {
    Manifests rendered = Helm.get().render("--set", "gateway.enabled=true");
    JsonNode operatorDeployment =
        rendered.ofKind("Deployment").stream()
            .filter(d -> !d.at("/metadata/name").asText().endsWith("-gateway"))
            .findFirst()
            .orElseThrow();
    Map<String, String> env =
        Manifests.byName(
            Manifests.stream(operatorDeployment.at("/spec/template/spec/containers/0/env"))
                .filter(e -> e.has("value"))
                .toList(),
            e -> e.path("value").asText());
    List<String> gatewayArgs =
        Manifests.strings(
            rendered.ofKind("Deployment").stream()
                .filter(d -> d.at("/metadata/name").asText().endsWith("-gateway"))
                .findFirst()
                .orElseThrow()
                .at("/spec/template/spec/containers/0/args"));
    String serviceOrigin = argument(gatewayArgs, "--trust-url");
    String statusListUri = env.get("APITOKEN_STATUS_LIST_URI");
    assertThat(statusListUri).startsWith(serviceOrigin + "/");
    assertThat(gatewayArgs).contains("--trust-dir");

    int port = freePort();
    String local = "http://127.0.0.1:" + port;
    try (RunningOperator operator =
            new RunningOperator(
                client,
                new MutableClock(Instant.now()),
                "--issuer=" + env.get("APITOKEN_ISSUER"),
                "--status-list-uri=" + local + statusListUri.substring(serviceOrigin.length()),
                "--status-port=" + port);
        PublishedFiles published =
            new PublishedFiles(
                new Fabric8ConfigMaps(client),
                RunningOperator.OPERATOR_NAMESPACE,
                operator.config().trustConfigMapName(),
                operator.config().statusListUri());
        StatusListProvider provider =
            StatusListProvider.start(
                port,
                published,
                operator.config().statusListTtl(),
                operator.config().statusMaxWaiters())) {
      operator.start();
      published.start();
      operator.createNamespace(NAMESPACE, Map.of());
      operator.create(ApiTokens.named("orders-reader").in(NAMESPACE).build());
      ApiToken ready = operator.awaitReady(NAMESPACE, "orders-reader");
      String token = operator.tokenValue(NAMESPACE, ready.getStatus().getSecretName());
      freezeTheMount(operator.trustConfigMap(NAMESPACE));

      try (TokenVerifier gateway =
          TokenVerifier.builder()
              .expectedIssuer(argument(gatewayArgs, "--issuer"))
              .verifiedTokenCache(Integer.parseInt(argument(gatewayArgs, "--cache-size")))
              .trustDirectory(mountedTrust)
              .trustUrl(URI.create(local))
              .build()) {
        // The first token naming the list makes the verifier follow it.
        await().atMost(Duration.ofSeconds(20)).until(() -> gateway.verify(token).isAccepted());

        ready.getSpec().setRevoked(true);
        long revokedAt = System.nanoTime();
        client.resource(ready).update();
        await()
            .atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(10))
            .until(() -> gateway.verify(token).rejection().orElse(null) == Rejection.REVOKED);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - revokedAt);
        System.out.println(
            "chart defaults: spec.revoked -> gateway verifier rejects: " + millis + " ms");

        assertThat(millis).as("spec.revoked set to the gateway refusing, ms").isLessThan(1000);
      }
    }
  }

  /** The trust files as a kubelet mounted them before the revocation, and kept for a minute. */
  private void freezeTheMount(ConfigMap trust) throws IOException {
    for (String key : List.of(TrustDocument.JWKS_KEY, TrustDocument.STATUS_LIST_KEY)) {
      Files.writeString(mountedTrust.resolve(key), trust.getData().get(key));
    }
  }

  private static String argument(List<String> args, String flag) {
    int at = args.indexOf(flag);
    assertThat(at).as("%s in %s", flag, args).isNotNegative();
    return args.get(at + 1);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
