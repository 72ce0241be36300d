package dev.apitoken.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.operator.testing.MutableClock;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A client wired as {@code Main} wires it learns the API server's time from every answer. */
@EnableKubernetesMockClient
class ApiServerDatesTest {
  static KubernetesMockServer server;
  static KubernetesClient client;

  @Test
  void theDateOfAnAnswerHoldsAFastNodeClockBack() {
    server
        .expect()
        .get()
        .withPath("/api/v1/namespaces/ops/configmaps/any")
        .andReturn(
            200, new ConfigMapBuilder().withNewMetadata().withName("any").endMetadata().build())
        .withHeader("Date", "Thu, 01 Jan 2026 00:00:00 GMT")
        .once();
    ApiServerClock clock =
        new ApiServerClock(new MutableClock(Instant.parse("2026-01-01T00:01:00Z")));
    try (KubernetesClient wired =
        new KubernetesClientBuilder()
            .withConfig(client.getConfiguration())
            .withHttpClientBuilderConsumer(
                http ->
                    http.addOrReplaceInterceptor(ApiServerDates.NAME, new ApiServerDates(clock)))
            .build()) {
      wired.configMaps().inNamespace("ops").withName("any").get();
    }

    assertThat(clock.instant()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
  }
}
