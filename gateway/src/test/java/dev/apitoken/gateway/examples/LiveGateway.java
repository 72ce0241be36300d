package dev.apitoken.gateway.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.gateway.ExampleGatewayLauncher;
import dev.apitoken.gateway.Gateway;
import dev.apitoken.verifier.KubeletVolume;
import dev.apitoken.verifier.MutableClock;
import dev.apitoken.verifier.StatusListTokenWriter;
import dev.apitoken.verifier.TestKey;
import dev.apitoken.verifier.TokenFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A running gateway for the example tests: trust files laid out like a kubelet volume (signed by
 * {@link #KEY}, {@link #REVOKED_INDEX} revoked), a test clock, and the links through which an
 * example's proxy reaches it.
 */
final class LiveGateway implements AutoCloseable {
  static final TestKey KEY = TestKey.fromSeed(12);
  static final TestKey STRANGER = TestKey.fromSeed(13);
  static final long REVOKED_INDEX = 9;

  // The JDK client sends no Content-Length for a body-less request and manages Connection itself.
  private static final Set<String> CLIENT_MANAGED = Set.of("connection", "content-length");
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private final Gateway gateway;

  private LiveGateway(Gateway gateway) {
    this.gateway = gateway;
  }

  /**
   * A gateway started with {@code args}, except that {@code --port} and {@code --management-port}
   * pick free ports and {@code --trust-dir} / {@code --policy} point into {@code dir}, where the
   * trust files and {@code policyYaml} (when not null) are published first.
   */
  static LiveGateway start(Path dir, List<String> args, String policyYaml) throws Exception {
    KubeletVolume trust = new KubeletVolume(Files.createDirectories(dir.resolve("trust")));
    trust.publish(
        Map.of(
            "jwks.json",
            TestKey.jwks(KEY),
            "status-list.jwt",
            StatusListTokenWriter.sign(
                KEY,
                TokenFactory.STATUS_URI,
                TokenFactory.NOW.getEpochSecond() - 60,
                StatusListTokenWriter.list(REVOKED_INDEX))));
    KubeletVolume policy = new KubeletVolume(Files.createDirectories(dir.resolve("policy")));
    if (policyYaml != null) {
      policy.publish(Map.of("policy.yaml", policyYaml));
    }
    List<String> actual = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      actual.add(arg);
      switch (arg) {
        case "--port", "--management-port" -> actual.add("0");
        case "--trust-dir" -> actual.add(trust.dir().toString());
        case "--policy" -> actual.add(policy.dir().resolve("policy.yaml").toString());
        default -> {
          continue;
        }
      }
      i++;
    }
    LiveGateway live =
        new LiveGateway(ExampleGatewayLauncher.start(actual, new MutableClock(TokenFactory.NOW)));
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> live.management("/readyz").statusCode() == 200);
    return live;
  }

  /** The command line the chart gives the gateway, with {@code policyYaml} as its policy. */
  static LiveGateway startLikeTheChart(Path dir, String policyYaml) throws Exception {
    return start(
        dir,
        List.of(
            "--port", "8080",
            "--management-port", "9090",
            "--issuer", ChartGatewayService.ISSUER,
            "--trust-dir", "/etc/apitoken-trust",
            "--policy", "/etc/apitoken-gateway/policy.yaml",
            "--cache-size", "100000"),
        policyYaml);
  }

  /** The subject of {@link #token}'s claims. */
  static final String SUBJECT = "system:serviceaccount:shop:checkout";

  /**
   * Asserts that the proxy forwarded the request with {@link #token}'s identity in the four
   * X-Auth-* headers, and returns the headers the app received.
   */
  static Headers forwardedWithTokenIdentity(Outcome outcome) {
    assertThat(outcome).isInstanceOf(Outcome.Forwarded.class);
    Headers app = ((Outcome.Forwarded) outcome).headers();
    assertThat(app.all("X-Auth-Subject")).containsExactly(SUBJECT);
    assertThat(app.all("X-Auth-Scopes")).containsExactly("orders:read orders:write");
    assertThat(app.all("X-Auth-Token-Id")).containsExactly("AAECAwQFBgcICQoLDA0ODw");
    assertThat(app.all("X-Auth-Audience")).containsExactly("orders billing");
    return app;
  }

  /** A token of {@link #KEY}, for the chart's issuer, with the factory's claims otherwise. */
  static String token(long index) {
    return new TokenFactory(KEY)
        .token(TokenFactory.claims(index).set("iss", ChartGatewayService.ISSUER));
  }

  /** A well-formed token signed by a key the gateway does not trust. */
  static String strangersToken() {
    return new TokenFactory(STRANGER)
        .token(TokenFactory.claims(1).set("iss", ChartGatewayService.ISSUER));
  }

  /**
   * How a proxy reaches this gateway: a check sent to a target {@code reachesGateway} accepts
   * arrives here (same path and query); one sent anywhere else fails the test.
   */
  GatewayLink link(Predicate<URI> reachesGateway) {
    return check -> {
      if (!reachesGateway.test(check.target())) {
        throw new AssertionError("the proxy sends its check to " + check.target());
      }
      URI local =
          URI.create("http://127.0.0.1:" + gateway.port())
              .resolve(
                  check.target().getRawPath()
                      + (check.target().getRawQuery() == null
                          ? ""
                          : "?" + check.target().getRawQuery()));
      HttpRequest.Builder request =
          HttpRequest.newBuilder(local)
              .timeout(Duration.ofSeconds(10))
              .method(check.method(), HttpRequest.BodyPublishers.noBody());
      for (String name : check.headers().names()) {
        if (!CLIENT_MANAGED.contains(name.toLowerCase(java.util.Locale.ROOT))) {
          check.headers().all(name).forEach(value -> request.header(name, value));
        }
      }
      HttpResponse<String> response = send(request);
      Headers headers = new Headers();
      response.headers().map().forEach((name, values) -> values.forEach(v -> headers.add(name, v)));
      return new GatewayResponse(response.statusCode(), headers, response.body());
    };
  }

  private HttpResponse<String> management(String path) {
    return send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.managementPort() + path)));
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    gateway.close();
  }
}
