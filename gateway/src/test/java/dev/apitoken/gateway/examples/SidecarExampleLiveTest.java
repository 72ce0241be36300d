package dev.apitoken.gateway.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar example's pod at work: its nginx.conf run in front of a gateway started with the
 * command line of the pod's gateway container, reached where nginx sends its checks.
 */
class SidecarExampleLiveTest {

  @TempDir static Path dir;
  private static LiveGateway gateway;
  private static NginxAuthRequestServer nginx;
  private static GatewayLink localhost;

  @BeforeAll
  static void start() throws Exception {
    SidecarPod pod = SidecarPod.load();
    gateway = LiveGateway.start(dir, pod.gatewayArgs(), null);
    nginx = NginxAuthRequestServer.listeningOn(pod.nginxConf(), pod.servedPort());
    int gatewayPort = Integer.parseInt(pod.gatewayFlags().get("--port"));
    localhost =
        gateway.link(
            (URI target) ->
                target.getHost().equals("127.0.0.1") && target.getPort() == gatewayPort);
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  private static Outcome send(String method, String uri, Headers headers) {
    return nginx.handle(
        new ClientRequest(method, "http", "orders.shop.svc", uri, headers), localhost);
  }

  @Test
  void aValidTokensIdentityReachesTheAppAndReplacesAForgedOne() {
    Headers headers =
        Headers.of(
            "Authorization", "Bearer " + LiveGateway.token(3),
            "X-Auth-Subject", "admin",
            "Host", "orders.shop.svc");

    Outcome outcome = send("POST", "/orders", headers);

    Headers app = LiveGateway.forwardedWithTokenIdentity(outcome);
    assertThat(app.all("Host")).containsExactly("orders.shop.svc");
  }

  @Test
  void withoutATokenTheClientGetsTheBareChallenge() {
    Outcome outcome = send("GET", "/orders", Headers.of("X-Auth-Subject", "admin"));

    assertThat(outcome).isInstanceOf(Outcome.Refused.class);
    Outcome.Refused refused = (Outcome.Refused) outcome;
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.headers().all("WWW-Authenticate"))
        .containsExactly("Bearer realm=\"apitoken\"");
  }

  @Test
  void anUntrustedTokenGets401InvalidToken() {
    Outcome outcome =
        send(
            "GET",
            "/orders",
            Headers.of("Authorization", "Bearer " + LiveGateway.strangersToken()));

    assertThat(outcome).isInstanceOf(Outcome.Refused.class);
    Outcome.Refused refused = (Outcome.Refused) outcome;
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.headers().all("WWW-Authenticate"))
        .singleElement()
        .asString()
        .startsWith("Bearer realm=\"apitoken\", error=\"invalid_token\"");
  }

  @Test
  void theCheckLocationIsNotReachableFromOutside() {
    Outcome outcome =
        send(
            "GET",
            "/_apitoken_auth",
            Headers.of("Authorization", "Bearer " + LiveGateway.token(3)));

    assertThat(outcome).isInstanceOf(Outcome.Refused.class);
    assertThat(((Outcome.Refused) outcome).status()).isEqualTo(404);
  }
}
