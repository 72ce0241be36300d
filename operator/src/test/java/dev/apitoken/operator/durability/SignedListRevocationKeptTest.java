package dev.apitoken.operator.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.denylist.TrustDocument;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.StatusListTokenSigner;
import dev.apitoken.verifier.status.StatusList;
import dev.apitoken.verifier.status.StatusListDocument;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A copy never loses a revoked bit, whichever of its files shows it: a bit that only the signed
 * list ({@code status-list.jwt}) of a copy shows is taken into the ledger and kept in both files of
 * every copy, never overwritten by the next publish.
 */
@EnableKubernetesMockClient(crud = true)
class SignedListRevocationKeptTest {
  static KubernetesClient client;
  private RunningOperator operator;

  @AfterEach
  void stop() {
    try (RunningOperator stopping = operator) {
      stopping.deleteAllApiTokens();
    }
  }

  private static int bitIn(ConfigMap copy, String file, long index) {
    String text = copy.getData().get(file);
    if (text == null) {
      return -1;
    }
    StatusList list =
        file.endsWith(".jwt")
            ? StatusListTokenSigner.read(text)
                .map(c -> StatusList.decode(c.bits(), c.lst()))
                .orElseThrow()
            : StatusListDocument.parse(text).statusList();
    return index < list.size() ? list.get(index) : -1;
  }

  @Test
  void aBitShownOnlyByTheSignedListOfACopyIsKeptInEveryCopy() {
    MutableClock clock = new MutableClock(RunningOperator.START);
    operator = new RunningOperator(client, clock);
    operator.createNamespace("apps", Map.of());
    operator.start();
    operator.create(ApiTokens.named("a").in("apps").build());
    long index = operator.awaitReady("apps", "a").getStatus().getStatusListIndex();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                operator.trustConfigMap("apps") != null
                    && operator.trustConfigMap("apps").getData().containsKey("status-list.jwt"));

    // Someone (an older operator, a restored backup) left a signed list showing the bit.
    ConfigMap copy = operator.trustConfigMap("apps");
    StatusList shown =
        StatusListDocument.parse(copy.getData().get("status-list.json")).statusList();
    byte[] bytes = shown.toBytes();
    bytes[(int) (index / 8)] |= (byte) (1 << (index % 8));
    String lst = StatusList.ofBytes(1, bytes).encodeLst();
    String uri = operator.config().statusListUri();
    String jwt =
        new StatusListTokenSigner(Duration.ofHours(1), Duration.ofSeconds(30), clock)
            .sign(uri, 1, lst, KeyRing.create(clock.instant(), new SecureRandom()).activeKey())
            .compact();
    Map<String, String> data = new HashMap<>(copy.getData());
    data.put("status-list.jwt", jwt);
    copy.setData(data);
    client.resource(copy).update();

    for (String namespace : new String[] {"apps", RunningOperator.OPERATOR_NAMESPACE}) {
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () -> {
                ConfigMap now = operator.trustConfigMap(namespace);
                assertThat(bitIn(now, TrustDocument.STATUS_LIST_KEY, index))
                    .as("%s status-list.json", namespace)
                    .isEqualTo(StatusList.INVALID);
                assertThat(bitIn(now, "status-list.jwt", index))
                    .as("%s status-list.jwt", namespace)
                    .isEqualTo(StatusList.INVALID);
              });
    }
    assertThat(operator.operator().revocationLedger().current().isRevoked(index)).isTrue();
  }
}
