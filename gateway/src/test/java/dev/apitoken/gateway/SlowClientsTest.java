package dev.apitoken.gateway;

import static dev.apitoken.gateway.GatewayFixture.token;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.http.Slowloris;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22, case 3: four slow connections (2 x cores) stalled the JDK server's auth port
 * indefinitely while /readyz stayed 200, and two stalled its management port. 1,000 connections
 * sending request heads a byte at a time, on each port, now hold no request thread.
 */
class SlowClientsTest {
  @TempDir Path dir;
  private GatewayFixture fixture;

  @AfterEach
  void stop() {
    fixture.close();
  }

  @Test
  void aThousandSlowClientsOnEachPortDelayNoWellBehavedRequest() throws Exception {
    fixture = new GatewayFixture(dir).publishTrust();
    Gateway gateway = fixture.start();
    fixture.awaitLatestTrust();

    try (Slowloris onAuth = Slowloris.open(gateway.port(), 1_000);
        Slowloris onManagement = Slowloris.open(gateway.managementPort(), 1_000)) {
      Duration auth =
          onAuth.slowestOf(
              10, 200, () -> fixture.nginx("https://orders.example.com/x", token(3)).statusCode());
      Duration ready =
          onManagement.slowestOf(10, 200, () -> fixture.management("/readyz").statusCode());
      System.out.printf(
          "gateway under 1,000 slowloris connections per port: slowest auth %d ms, readyz %d ms%n",
          auth.toMillis(), ready.toMillis());
      assertThat(auth).isLessThan(Duration.ofSeconds(2));
      assertThat(ready).isLessThan(Duration.ofSeconds(2));
    }
  }
}
