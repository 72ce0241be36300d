package dev.apitoken.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.operator.api.Consumer;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The API calls finding consumers costs: many ApiTokens of one namespace share one Pod list, and a
 * ReplicaSet is read once to reach its Deployment.
 */
@EnableKubernetesMockClient(crud = true)
class TokenConsumersTest {
  private static final String NS = "shop";
  static KubernetesClient client;
  static KubernetesMockServer server;

  private final EventRecorder events = new EventRecorder(client, Clock.systemUTC());
  private final AtomicLong nanos = new AtomicLong();
  private final TokenConsumers consumers = new TokenConsumers(events, nanos::get);

  @AfterEach
  void close() {
    events.close();
  }

  @Test
  void fiftyApiTokensOfANamespaceShareOnePodListAndOneReplicaSetRead() {
    ReplicaSet replicaSet =
        client
            .resource(
                new ReplicaSetBuilder()
                    .withNewMetadata()
                    .withName("orders-5d4f8")
                    .withNamespace(NS)
                    .addNewOwnerReference()
                    .withApiVersion("apps/v1")
                    .withKind("Deployment")
                    .withName("orders")
                    .withUid("deployment-uid")
                    .withController(true)
                    .endOwnerReference()
                    .endMetadata()
                    .build())
            .create();
    for (int i = 0; i < 50; i++) {
      pod("orders-5d4f8-" + i, ConsumerNotificationTest.volume("token-" + i), replicaSet);
    }

    int before = server.getRequestCount();
    for (int i = 0; i < 50; i++) {
      assertThat(consumers.find(client, NS, "token-" + i).workloads())
          .extracting(TokenConsumers.Workload::consumer)
          .containsExactly(new Consumer("Deployment", "orders"));
    }
    assertThat(server.getRequestCount() - before).as("1 Pod list + 1 ReplicaSet read").isEqualTo(2);

    // Past the reuse window a new Pod is seen.
    pod("debug", ConsumerNotificationTest.envFrom("token-0"), null);
    assertThat(consumers.find(client, NS, "token-0").workloads()).hasSize(1);
    nanos.addAndGet(TokenConsumers.POD_LIST_REUSE.toNanos());
    assertThat(consumers.find(client, NS, "token-0").workloads())
        .extracting(TokenConsumers.Workload::consumer)
        .containsExactly(new Consumer("Deployment", "orders"), new Consumer("Pod", "debug"));
  }

  private static void pod(String name, PodSpec spec, ReplicaSet owner) {
    var pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(NS)
            .endMetadata()
            .withSpec(spec)
            .build();
    if (owner != null) {
      pod.getMetadata()
          .getOwnerReferences()
          .add(
              new OwnerReferenceBuilder()
                  .withApiVersion("apps/v1")
                  .withKind("ReplicaSet")
                  .withName(owner.getMetadata().getName())
                  .withUid(owner.getMetadata().getUid())
                  .withController(true)
                  .build());
    }
    client.resource(pod).create();
  }
}
