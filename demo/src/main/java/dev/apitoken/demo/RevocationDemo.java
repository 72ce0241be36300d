package dev.apitoken.demo;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.reconcile.TokenSecretDependent;
import dev.apitoken.verifier.ReloadStatus;
import dev.apitoken.verifier.TokenVerifier;
import dev.apitoken.verifier.sample.SampleService;
import dev.apitoken.verifier.sample.UsageLog;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;

/**
 * The whole loop on one machine: a workload (the sample service, in this JVM) verifies a token
 * offline against the trust ConfigMap mirrored into a directory the way the kubelet mounts it; the
 * ApiToken is revoked; the operator publishes the revocation; the kubelet-style mirror swaps in the
 * new ConfigMap content; and the same token is refused. Prints each step, never a token.
 */
final class RevocationDemo {
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  private static final String REVOCATION_REASON = "shown in the embedded run";

  /**
   * The verifier reports each trust load through System.Logger (java.util.logging here) on standard
   * error; this run prints those steps itself. Held strongly: java.util.logging forgets the level
   * of a logger that is garbage collected.
   */
  private static final java.util.logging.Logger VERIFIER_LOG =
      java.util.logging.Logger.getLogger(TokenVerifier.class.getName());

  private final KubernetesClient client;
  private final String trustNamespace;
  private final String trustConfigMap;
  private final String issuer;
  private final Duration timeout;
  private final PrintStream out;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();
  private final Queue<String> serviceLog = new ConcurrentLinkedQueue<>();

  RevocationDemo(
      KubernetesClient client,
      String trustNamespace,
      String trustConfigMap,
      String issuer,
      Duration timeout,
      PrintStream out) {
    this.client = client;
    this.trustNamespace = trustNamespace;
    this.trustConfigMap = trustConfigMap;
    this.issuer = issuer;
    this.timeout = timeout;
    this.out = out;
  }

  /**
   * Runs the loop with {@code token}, which must be Ready.
   *
   * @return whether the token was accepted before and refused as revoked after
   */
  boolean run(ApiToken token) throws IOException, InterruptedException {
    String namespace = token.getMetadata().getNamespace();
    String name = token.getMetadata().getName();
    String secretName = token.getStatus().getSecretName();
    Secret secret = client.secrets().inNamespace(namespace).withName(secretName).get();
    Optional<String> value = TokenSecretDependent.tokenValue(secret);
    if (value.isEmpty()) {
      out.printf("!! Secret %s/%s holds no token%n", namespace, secretName);
      return false;
    }
    String bearer = value.get();
    VERIFIER_LOG.setLevel(java.util.logging.Level.WARNING);

    out.println();
    out.println("== A workload verifies the token offline, then sees it revoked");
    out.println(
        "(the in-process API only stores the sample Deployment; the same service runs here)");
    try (KubeletVolume volume = KubeletVolume.createTemporary("apitoken-trust-");
        TokenVerifier verifier = mountAndBuildVerifier(volume);
        SampleService service = SampleService.start(verifier, 0)) {
      out.printf(
          "sample service on http://127.0.0.1:%d/ trusts %s%n",
          service.port(), verifier.lastReloadStatus().message().replaceFirst("^loaded ", ""));

      out.println();
      String curl =
          String.format(
              "$ curl -H \"Authorization: Bearer <token from Secret %s/%s>\" http://127.0.0.1:%d/",
              namespace, secretName, service.port());
      out.println(curl);
      HttpResponse<String> before = call(service, bearer);
      printResponse(before);

      out.println();
      out.printf(
          "$ kubectl patch apitoken %s -n %s --type=merge -p '{\"spec\":{\"revoked\":true,"
              + "\"revocationReason\":\"%s\"}}'%n",
          name, namespace, REVOCATION_REASON);
      Instant revokedAt = Instant.now();
      client
          .resources(ApiToken.class)
          .inNamespace(namespace)
          .withName(name)
          .edit(
              t -> {
                t.getSpec().setRevoked(true);
                t.getSpec().setRevocationReason(REVOCATION_REASON);
                return t;
              });
      if (!waitFor(() -> isTrue(namespace, name, Conditions.REVOCATION_PUBLISHED))) {
        out.printf(
            "!! %s/%s: RevocationPublished did not become True within %ds%n",
            namespace, name, timeout.toSeconds());
        return false;
      }
      out.printf(
          "ApiToken %s/%s: RevocationPublished=True after %dms (%s)%n",
          namespace,
          name,
          Duration.between(revokedAt, Instant.now()).toMillis(),
          conditionSummary(
              client.resources(ApiToken.class).inNamespace(namespace).withName(name).get()));

      ReloadStatus loaded = verifier.lastReloadStatus();
      Instant swappedAt = Instant.now();
      String version = mirror(volume);
      out.printf(
          "kubelet refresh of the mounted ConfigMap: ..data -> %s (in a cluster: within about a"
              + " minute)%n",
          version);
      if (!waitFor(() -> verifier.lastReloadStatus() != loaded)) {
        out.println("!! the sample service did not notice the new trust files");
        return false;
      }
      out.printf(
          "sample service reloaded its trust %dms after the swap%n",
          Duration.between(swappedAt, Instant.now()).toMillis());

      out.println();
      out.println(curl);
      HttpResponse<String> after = call(service, bearer);
      printResponse(after);

      boolean refused =
          after.statusCode() == 401
              && after
                  .headers()
                  .firstValue("WWW-Authenticate")
                  .orElse("")
                  .contains("error_description=\"REVOKED\"");
      return before.statusCode() == 200 && refused;
    }
  }

  private TokenVerifier mountAndBuildVerifier(KubeletVolume volume) throws IOException {
    String version = mirror(volume);
    out.printf(
        "mounted ConfigMap %s/%s at %s as the kubelet does (..data -> %s)%n",
        trustNamespace, trustConfigMap, volume.dir(), version);
    TokenVerifier.Builder verifier =
        TokenVerifier.builder()
            .trustDirectory(volume.dir())
            .expectedIssuer(issuer)
            .listener(new UsageLog(serviceLog::add));
    if (!java.nio.file.Files.exists(
        volume.dir().resolve(dev.apitoken.format.TrustFiles.STATUS_LIST_TOKEN))) {
      // An operator from before the signed Status List Token publishes only status-list.json.
      verifier.allowUnsignedStatusList();
    }
    return verifier.build();
  }

  /** Copies the trust ConfigMap's current data into a new version of the volume. */
  private String mirror(KubeletVolume volume) throws IOException {
    ConfigMap map = client.configMaps().inNamespace(trustNamespace).withName(trustConfigMap).get();
    if (map == null || map.getData() == null) {
      throw new IOException(
          "ConfigMap " + trustNamespace + "/" + trustConfigMap + " has not been published");
    }
    return volume.publish(map.getData());
  }

  private HttpResponse<String> call(SampleService service, String bearer)
      throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + "/"))
            .timeout(REQUEST_TIMEOUT)
            .header("Authorization", "Bearer " + bearer)
            .GET()
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private void printResponse(HttpResponse<String> response) {
    // The service never echoes the token, so its answer can be printed as it is.
    out.printf("HTTP %d %s%n", response.statusCode(), response.body().strip());
    response
        .headers()
        .firstValue("WWW-Authenticate")
        .ifPresent(challenge -> out.println("  WWW-Authenticate: " + challenge));
    // Written by the service while it answered; shown after the answer to read in order.
    for (String line; (line = serviceLog.poll()) != null; ) {
      out.println("  service log: " + line);
    }
  }

  private boolean isTrue(String namespace, String name, String type) {
    ApiToken current = client.resources(ApiToken.class).inNamespace(namespace).withName(name).get();
    return current != null
        && current.getStatus() != null
        && current.getStatus().getConditions().stream()
            .anyMatch(c -> type.equals(c.getType()) && Conditions.TRUE.equals(c.getStatus()));
  }

  private static String conditionSummary(ApiToken token) {
    StringBuilder summary = new StringBuilder();
    token
        .getStatus()
        .getConditions()
        .forEach(
            c ->
                summary
                    .append(summary.length() == 0 ? "" : ", ")
                    .append(c.getType())
                    .append('=')
                    .append(c.getStatus())
                    .append(c.getReason() == null ? "" : " " + c.getReason()));
    return summary.toString();
  }

  private boolean waitFor(BooleanSupplier condition) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        return false;
      }
      Thread.sleep(50);
    }
    return true;
  }
}
