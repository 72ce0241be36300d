package dev.apitoken.operator.realapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.apitoken.format.TrustFiles;
import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.publish.TrustPublisher;
import dev.apitoken.operator.revocation.WorstCaseCopyShard;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The API server's object size limit, which the mock server does not have: the operator's largest
 * object, a trust copy shard whose list no compression shrinks (half of its 2,097,152 indices
 * revoked at random, see docs/REVOCATION-STATE.md), is accepted as the publisher writes it, with
 * the longest names and its metadata; the same server refuses a ConfigMap over 1 MiB with 422.
 */
@ExtendWith(RealApi.class)
class RealApiObjectSizeTest {
  private static final String NAMESPACE = "team-size";
  private static final String COPY = "apitoken-trust";

  private KubernetesClient admin;

  @BeforeEach
  void connect(RealApiServer server) {
    admin = server.adminClient();
    admin
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
        .unlock()
        .createOr(NonDeletingOperation::update);
  }

  @AfterEach
  void close() {
    admin.configMaps().inNamespace(NAMESPACE).withName(COPY).delete();
    admin.close();
  }

  @Test
  void theWorstCaseTrustCopyShardIsAcceptedAndAConfigMapOverOneMebibyteIsRefused() {
    Map<String, String> worstCase = WorstCaseCopyShard.data(WorstCaseCopyShard.incompressible(2));
    long bytes = WorstCaseCopyShard.bytes(worstCase);

    ConfigMap created = admin.resource(copy(worstCase)).create();
    ConfigMap stored = admin.configMaps().inNamespace(NAMESPACE).withName(COPY).get();
    assertThat(stored.getData()).as("the worst-case copy shard as stored").isEqualTo(worstCase);
    System.out.printf(
        "worst-case trust copy shard: %,d bytes of data, accepted (limit 1,048,576)%n", bytes);

    Map<String, String> twoShards = new LinkedHashMap<>(worstCase);
    twoShards.put(TrustFiles.statusList(1), worstCase.get(TrustFiles.STATUS_LIST));
    twoShards.put(TrustFiles.statusListToken(1), worstCase.get(TrustFiles.STATUS_LIST_TOKEN));
    ConfigMap tooLarge = copy(twoShards);
    tooLarge.getMetadata().setResourceVersion(created.getMetadata().getResourceVersion());
    KubernetesClientException refused =
        catchThrowableOfType(
            KubernetesClientException.class, () -> admin.resource(tooLarge).update());
    assertThat(refused).as("two worst-case shards in one ConfigMap").isNotNull();
    assertThat(refused.getCode()).isEqualTo(422);
    assertThat(refused.getMessage()).contains("must have at most 1048576 bytes");
  }

  private static ConfigMap copy(Map<String, String> data) {
    Map<String, String> labels = new LinkedHashMap<>(Labels.managed("trust"));
    labels.put("app.kubernetes.io/instance", "a".repeat(63));
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(COPY)
        .withNamespace(NAMESPACE)
        .withLabels(labels)
        .withAnnotations(
            Map.of(
                TrustPublisher.CONTENT_ANNOTATION, "version=4294967295 sha256=" + "f".repeat(64)))
        .endMetadata()
        .withData(data)
        .build();
  }
}
