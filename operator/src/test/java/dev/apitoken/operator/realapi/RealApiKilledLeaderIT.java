package dev.apitoken.operator.realapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.reconcile.TokenSecretDependent;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.ConditionAssert;
import dev.apitoken.verifier.Rejection;
import dev.apitoken.verifier.Verdict;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code kill -9} of the leading operator, the shipped jar in its own JVM, while it issues a batch
 * of ApiTokens and a revocation is in flight. Nothing of it survives but what it had written: the
 * Lease is not released, so the standby (another JVM) takes over once the Lease expires, not
 * before, and finishes the work: every ApiToken Ready with one token in its Secret that the mounted
 * trust copy accepts, no status-list index handed out twice, the revocation published, and no token
 * that ever stood in a Secret accepted unless it is its ApiToken's current one. Runs in the verify
 * phase, after the jar is built.
 */
@ExtendWith(RealApi.class)
class RealApiKilledLeaderIT {
  private static final String NAMESPACE = "team-kill";
  private static final int BATCH = 60;

  /** Killed once this many tokens of the batch stood in Secrets, right after asking to revoke. */
  private static final int KILL_AFTER = 3;

  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Fabric8's elector retries every 2 s; the rest is this shared machine's scheduling. */
  private static final Duration TAKEOVER_SLACK = Duration.ofSeconds(6);

  private InstalledOperator installed;
  private KubernetesClient admin;
  private final List<OperatorProcess> processes = new ArrayList<>();

  /** Every token value that ever stood in a Secret of the namespace, as the watch saw them. */
  private final Set<String> tokensSeen = ConcurrentHashMap.newKeySet();

  private SharedIndexInformer<Secret> secretWatch;

  @BeforeEach
  void install(RealApiServer server) {
    installed = new InstalledOperator(server);
    admin = installed.admin();
    installed.createNamespace(NAMESPACE);
    secretWatch =
        admin
            .secrets()
            .inNamespace(NAMESPACE)
            .withLabelSelector(TokenSecretDependent.SELECTOR)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Secret secret) {
                    TokenSecretDependent.tokenValue(secret).ifPresent(tokensSeen::add);
                  }

                  @Override
                  public void onUpdate(Secret before, Secret secret) {
                    TokenSecretDependent.tokenValue(secret).ifPresent(tokensSeen::add);
                  }

                  @Override
                  public void onDelete(Secret secret, boolean unknownFinalState) {}
                });
  }

  @AfterEach
  void stop() throws Exception {
    try {
      installed.deleteApiTokens(NAMESPACE);
    } finally {
      secretWatch.close();
      for (OperatorProcess process : processes) {
        process.close();
      }
      installed.close();
    }
  }

  @Test
  void theStandbyJvmFinishesTheBatchAndTheRevocationOfALeaderKilledMidWork() throws Exception {
    OperatorProcess first = start("replica-a");
    OperatorProcess second = start("replica-b");
    await("one JVM leads (logs " + first.log() + ", " + second.log() + ")")
        .atMost(WAIT)
        .until(() -> first.leads() || second.leads());
    OperatorProcess killed = first.leads() ? first : second;
    OperatorProcess standby = killed == first ? second : first;
    await("the leader is ready").atMost(WAIT).until(killed::readyAsLeader);
    String killedIdentity = InstalledOperator.holder(installed.lease());

    admin.resource(ApiTokens.named("leaked").in(NAMESPACE).build()).create();
    ApiToken leaked =
        installed.awaitCondition(NAMESPACE, "leaked", Conditions.READY, Conditions.TRUE);
    String leakedToken = tokenIn(leaked);
    assertThat(leakedToken).as("the leaked token before the kill").isNotNull();

    List<String> batch = IntStream.range(0, BATCH).mapToObj(i -> "batch-" + i).toList();
    // Created faster than one replica issues them, so the leader has work queued when it dies.
    batch.parallelStream()
        .forEach(n -> admin.resource(ApiTokens.named(n).in(NAMESPACE).build()).create());
    await("the leader has issued the first tokens of the batch")
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(5))
        .until(() -> tokensSeen.size() > KILL_AFTER);
    admin
        .resources(ApiToken.class)
        .inNamespace(NAMESPACE)
        .withName("leaked")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"revoked\":true}}");
    killed.kill();
    ZonedDateTime killedAt = ZonedDateTime.now();
    System.out.printf(
        "kill -9 of the leader after %d tokens of the batch of %d stood in Secrets (%d Ready)%n",
        tokensSeen.size() - 1, BATCH, readyCount(batch));

    Lease left = installed.lease();
    assertThat(InstalledOperator.holder(left))
        .as("the Lease after the kill")
        .isEqualTo(killedIdentity);
    ZonedDateTime expires =
        left.getSpec().getRenewTime().plusSeconds(left.getSpec().getLeaseDurationSeconds());
    await("the standby JVM leads (log " + standby.log() + ")").atMost(WAIT).until(standby::leads);
    Lease taken = installed.lease();
    assertThat(taken.getSpec().getAcquireTime())
        .as("taken only once the killed leader's Lease expired (%s)", expires)
        .isAfterOrEqualTo(expires);
    assertThat(Duration.between(killedAt, ZonedDateTime.now()))
        .as("from the kill to the standby leading")
        .isLessThanOrEqualTo(
            Duration.ofSeconds(left.getSpec().getLeaseDurationSeconds()).plus(TAKEOVER_SLACK));

    ApiToken revoked =
        installed.awaitCondition(
            NAMESPACE, "leaked", Conditions.REVOCATION_PUBLISHED, Conditions.TRUE);
    ConditionAssert.assertCondition(
        revoked, Conditions.REVOKED, Conditions.TRUE, Conditions.REASON_REVOKED);
    assertThat(MountedTrust.verify(installed, NAMESPACE, leakedToken).rejection())
        .as("the leaked token in the mounted trust copy")
        .contains(Rejection.REVOKED);

    Map<Long, String> indexOwners = new HashMap<>();
    for (String name : batch) {
      ApiToken token = installed.awaitCondition(NAMESPACE, name, Conditions.READY, Conditions.TRUE);
      String value = tokenIn(token);
      Verdict verdict = MountedTrust.verify(installed, NAMESPACE, value);
      assertThat(verdict.isAccepted())
          .as("%s's token in the mounted copy: %s", name, verdict)
          .isTrue();
      assertThat(verdict.jti())
          .as("%s: the Secret holds the token its status names", name)
          .isEqualTo(token.getStatus().getJti());
      assertThat(statusIndexOf(value))
          .as("%s: the token's index claim is status.statusListIndex", name)
          .isEqualTo(token.getStatus().getStatusListIndex());
    }

    Map<String, Long> indexByJti = new HashMap<>();
    for (String value : tokensSeen) {
      indexByJti.put(jtiOf(value), statusIndexOf(value));
    }
    for (Map.Entry<String, Long> e : indexByJti.entrySet()) {
      String other = indexOwners.putIfAbsent(e.getValue(), e.getKey());
      assertThat(other)
          .as("index %d handed out to token %s and token %s", e.getValue(), other, e.getKey())
          .isNull();
    }

    Set<String> currentJtis = new java.util.HashSet<>();
    for (String name : batch) {
      currentJtis.add(get(name).getStatus().getJti());
    }
    for (String value : tokensSeen) {
      Verdict verdict = MountedTrust.verify(installed, NAMESPACE, value);
      if (verdict.isAccepted()) {
        assertThat(currentJtis)
            .as("a token the mounted copy accepts is the current token of a live ApiToken")
            .contains(verdict.jti());
      }
    }
    System.out.printf(
        "tokens seen in Secrets: %d for %d ApiTokens (%d reissued after the kill)%n",
        tokensSeen.size(), BATCH + 1, tokensSeen.size() - BATCH - 1);
    for (OperatorProcess process : processes) {
      String log = Files.readString(process.log());
      for (String value : tokensSeen) {
        assertThat(log.contains(value)).as("a token value in %s", process.log()).isFalse();
      }
    }
  }

  private OperatorProcess start(String hostname) {
    OperatorProcess process = OperatorProcess.start(installed, hostname);
    processes.add(process);
    return process;
  }

  private ApiToken get(String name) {
    return installed.get(NAMESPACE, name);
  }

  private int readyCount(List<String> names) {
    return (int)
        admin.resources(ApiToken.class).inNamespace(NAMESPACE).list().getItems().stream()
            .filter(t -> names.contains(t.getMetadata().getName()))
            .filter(t -> ConditionAssert.hasCondition(t, Conditions.READY, Conditions.TRUE))
            .count();
  }

  private String tokenIn(ApiToken token) {
    String value =
        TokenSecretDependent.tokenValue(
                admin
                    .secrets()
                    .inNamespace(NAMESPACE)
                    .withName(token.getStatus().getSecretName())
                    .get())
            .orElse(null);
    if (value != null) {
      tokensSeen.add(value);
    }
    return value;
  }

  private static JsonNode claims(String token) throws IOException {
    String payload = token.split("\\.")[1];
    return JSON.readTree(
        new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8));
  }

  private static long statusIndexOf(String token) throws IOException {
    return claims(token).path("status").path("status_list").path("idx").asLong(-1);
  }

  private static String jtiOf(String token) throws IOException {
    return claims(token).path("jti").asText();
  }
}
