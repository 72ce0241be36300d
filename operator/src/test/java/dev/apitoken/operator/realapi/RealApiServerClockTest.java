package dev.apitoken.operator.realapi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.operator.runtime.ApiServerClock;
import dev.apitoken.operator.runtime.ApiServerDates;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The operator's time is never ahead of the API server's ({@code ApiServerClock}, model seed
 * 12388): shown on the mock with a {@code Date} the test writes; here a real kube-apiserver's own
 * {@code Date}, read through the interceptor as {@code Main} registers it, pulls a node clock that
 * runs 90 s fast back to the server's time.
 */
@ExtendWith(RealApi.class)
class RealApiServerClockTest {
  @Test
  void aNodeClockAheadOfTheRealApiServerIsHeldBackToItsTime(RealApiServer server) {
    Duration fast = Duration.ofSeconds(90);
    ApiServerClock clock = new ApiServerClock(Clock.offset(Clock.systemUTC(), fast));
    Config config = server.configAs("default", "default");
    try (KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(config)
            .withHttpClientBuilderConsumer(
                http ->
                    http.addOrReplaceInterceptor(ApiServerDates.NAME, new ApiServerDates(clock)))
            .build()) {
      client.getKubernetesVersion();
    }

    assertThat(clock.ahead()).isBetween(fast.minusSeconds(3), fast.plusSeconds(3));
    assertThat(Duration.between(Instant.now(Clock.system(ZoneOffset.UTC)), clock.instant()).abs())
        .isLessThan(Duration.ofSeconds(3));
  }
}
