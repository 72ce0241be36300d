package dev.apitoken.operator.realapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.reconcile.TokenSecretDependent;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.ConditionAssert;
import dev.apitoken.operator.testing.RunningOperator;
import dev.apitoken.verifier.Rejection;
import dev.apitoken.verifier.Verdict;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Another writer (a second controller, a reloader, a backup tool) updates, under optimistic
 * locking, the very objects the operator writes while it works: a condition of its own in every
 * ApiToken's status, an annotation and a label on every token Secret, an annotation on the state
 * ConfigMap in the operator namespace. The operator meets 409 Conflict and retries: it loses no
 * write of its own, keeps every field of the other writer, and issues no token twice.
 */
@ExtendWith(RealApi.class)
class RealApiConflictingWriterTest {
  private static final String NAMESPACE = "team-conflict";
  private static final int TOKENS = 10;
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String FOREIGN_CONDITION = "example.com/Audited";
  private static final String FOREIGN_ANNOTATION = "example.com/reloaded-at";
  private static final String FOREIGN_LABEL = "example.com/team";
  private static final Duration RESYNC = Duration.ofSeconds(1);
  private static final Duration QUIET = Duration.ofSeconds(4);

  private InstalledOperator installed;
  private KubernetesClient admin;
  private RunningOperator replica;
  private ScheduledExecutorService otherWriter;
  private final AtomicInteger otherWrites = new AtomicInteger();

  @BeforeEach
  void start(RealApiServer server) {
    installed = new InstalledOperator(server);
    admin = installed.admin();
    installed.createNamespace(NAMESPACE);
    replica = installed.startLeader(RESYNC);
  }

  @AfterEach
  void stop() throws Exception {
    if (otherWriter != null) {
      otherWriter.shutdownNow();
    }
    installed.deleteApiTokens(NAMESPACE);
    installed.close();
  }

  @Test
  void theOperatorRetriesOnConflictKeepsTheOtherWritersFieldsAndIssuesNothingTwice()
      throws Exception {
    long conflictsBefore = operatorConflicts();
    otherWriter = Executors.newSingleThreadScheduledExecutor();
    otherWriter.scheduleWithFixedDelay(this::writeEverything, 0, 5, TimeUnit.MILLISECONDS);

    List<String> names = IntStream.range(0, TOKENS).mapToObj(i -> "svc-" + i).toList();
    names.forEach(n -> admin.resource(ApiTokens.named(n).in(NAMESPACE).build()).create());
    names.forEach(n -> installed.awaitCondition(NAMESPACE, n, Conditions.READY, Conditions.TRUE));
    String revokedToken = tokenIn("svc-0");
    revoke("svc-0");
    List<String> live = names.subList(1, TOKENS);
    rescope(live, "write");
    installed.awaitCondition(NAMESPACE, "svc-0", Conditions.REVOCATION_PUBLISHED, Conditions.TRUE);
    await("the other writer has written while the operator worked")
        .atMost(WAIT)
        .until(() -> otherWrites.get() >= 3 * TOKENS);
    otherWriter.shutdown();
    assertThat(otherWriter.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    long conflicts = operatorConflicts() - conflictsBefore;
    System.out.printf(
        "other writer: %d writes; the operator was answered 409 Conflict %d times%n",
        otherWrites.get(), conflicts);

    // The other writer's fields now stand on every object: the operator writes each once more.
    rescope(live, "admin");
    admin.resource(ApiTokens.named("svc-late").in(NAMESPACE).build()).create();
    installed.awaitCondition(NAMESPACE, "svc-late", Conditions.READY, Conditions.TRUE);
    revoke("svc-late");
    installed.awaitCondition(
        NAMESPACE, "svc-late", Conditions.REVOCATION_PUBLISHED, Conditions.TRUE);

    assertThat(issued())
        .as("tokens issued: one per ApiToken, one more per change of scopes")
        .isEqualTo(TOKENS + 2.0 * live.size() + 1);
    Map<Long, String> indexOwners = new HashMap<>();
    for (String name : live) {
      ApiToken token = installed.awaitCondition(NAMESPACE, name, Conditions.READY, Conditions.TRUE);
      Verdict verdict = MountedTrust.verify(replica, NAMESPACE, tokenIn(name));
      assertThat(verdict.isAccepted()).as("%s's token: %s", name, verdict).isTrue();
      assertThat(verdict.jti())
          .as("%s: the token its status names", name)
          .isEqualTo(token.getStatus().getJti());
      assertThat(indexOwners.put(token.getStatus().getStatusListIndex(), name))
          .as("index %d handed out twice", token.getStatus().getStatusListIndex())
          .isNull();
      assertThat(ConditionAssert.condition(token, FOREIGN_CONDITION))
          .as("%s: the other writer's condition", name)
          .isPresent();
      Secret secret =
          admin.secrets().inNamespace(NAMESPACE).withName(token.getStatus().getSecretName()).get();
      assertThat(secret.getMetadata().getAnnotations())
          .as("%s's Secret", name)
          .containsKey(FOREIGN_ANNOTATION);
      assertThat(secret.getMetadata().getLabels())
          .as("%s's Secret", name)
          .containsKey(FOREIGN_LABEL);
    }
    ApiToken revoked = get("svc-0");
    ConditionAssert.assertCondition(
        revoked, Conditions.REVOKED, Conditions.TRUE, Conditions.REASON_REVOKED);
    assertThat(MountedTrust.verify(replica, NAMESPACE, revokedToken).rejection())
        .contains(Rejection.REVOKED);
    ConfigMap state = stateConfigMap();
    assertThat(state.getMetadata().getAnnotations())
        .as("the state ConfigMap")
        .containsKey(FOREIGN_ANNOTATION);
    assertThat(Long.parseLong(state.getData().get("next-index")))
        .as("the stored index counter is past every index handed out")
        .isGreaterThan(
            indexOwners.keySet().stream().mapToLong(Long::longValue).max().orElseThrow());

    // Nothing changes from here on: the Secrets carry the other writer's fields, and the operator
    // reconciles every ApiToken several times (resync every second) without writing any of them.
    long secretWrites = secretWritesByTheOperator();
    await("a few resyncs").pollDelay(QUIET).atMost(QUIET.plusSeconds(1)).until(() -> true);
    assertThat(secretWritesByTheOperator() - secretWrites)
        .as("token Secret writes in %s while nothing changed", QUIET)
        .isZero();
  }

  /** Requests of the operator that would change a Secret of the namespace. */
  private long secretWritesByTheOperator() {
    return AuditLog.read(installed.server().auditLog()).stream()
        .filter(e -> e.namespace().equals(NAMESPACE) && e.resource().equals("secrets"))
        .filter(
            e -> !e.verb().equals("get") && !e.verb().equals("list") && !e.verb().equals("watch"))
        .count();
  }

  private void revoke(String name) {
    apiTokens()
        .withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"revoked\":true}}");
  }

  /** Changes the scopes of every ApiToken named, and waits until each has its new token. */
  private void rescope(List<String> names, String scope) {
    Map<String, String> jtis = new HashMap<>();
    for (String name : names) {
      jtis.put(name, get(name).getStatus().getJti());
      apiTokens()
          .withName(name)
          .patch(
              PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"scopes\":[\"" + scope + "\"]}}");
    }
    for (String name : names) {
      await(name + " reissued for scope " + scope)
          .atMost(WAIT)
          .until(
              () -> {
                ApiToken token = get(name);
                return !jtis.get(name).equals(token.getStatus().getJti())
                    && ConditionAssert.hasCondition(token, Conditions.READY, Conditions.TRUE);
              });
    }
  }

  /** One round of the other writer: get, change its own field, update (409 when it lost a race). */
  private void writeEverything() {
    String stamp = Integer.toString(otherWrites.get());
    for (ApiToken token : apiTokens().list().getItems()) {
      if (token.getStatus() == null || token.getStatus().getJti() == null) {
        continue;
      }
      tryWrite(
          () -> {
            List<Condition> conditions = new ArrayList<>(token.getStatus().getConditions());
            conditions.removeIf(c -> FOREIGN_CONDITION.equals(c.getType()));
            Condition audited = new Condition();
            audited.setType(FOREIGN_CONDITION);
            audited.setStatus(Conditions.TRUE);
            audited.setReason("Audited");
            audited.setMessage("audit pass " + stamp);
            audited.setLastTransitionTime("2026-01-01T00:00:00Z");
            conditions.add(audited);
            token.getStatus().setConditions(conditions);
            admin.resource(token).updateStatus();
          });
    }
    for (Secret secret :
        admin
            .secrets()
            .inNamespace(NAMESPACE)
            .withLabelSelector(TokenSecretDependent.SELECTOR)
            .list()
            .getItems()) {
      tryWrite(
          () -> {
            secret.getMetadata().getAnnotations().put(FOREIGN_ANNOTATION, stamp);
            secret.getMetadata().getLabels().put(FOREIGN_LABEL, "payments");
            admin.resource(secret).update();
          });
    }
    ConfigMap state = stateConfigMap();
    if (state != null) {
      tryWrite(
          () -> {
            if (state.getMetadata().getAnnotations() == null) {
              state.getMetadata().setAnnotations(new HashMap<>());
            }
            state.getMetadata().getAnnotations().put(FOREIGN_ANNOTATION, stamp);
            admin.resource(state).update();
          });
    }
  }

  private void tryWrite(Runnable write) {
    try {
      write.run();
      otherWrites.incrementAndGet();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409 && e.getCode() != 404) {
        throw e;
      }
    }
  }

  private long operatorConflicts() {
    return AuditLog.read(installed.server().auditLog()).stream()
        .filter(e -> e.code() == 409)
        .filter(
            e ->
                e.namespace().equals(NAMESPACE)
                    || e.namespace().equals(installed.chart().namespace()))
        .count();
  }

  private double issued() {
    return replica.metrics().find("apitoken.tokens.issued").counters().stream()
        .mapToDouble(Counter::count)
        .sum();
  }

  private ConfigMap stateConfigMap() {
    return admin
        .configMaps()
        .inNamespace(installed.chart().namespace())
        .withName(replica.config().stateConfigMapName())
        .get();
  }

  private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<
          ApiToken,
          io.fabric8.kubernetes.api.model.KubernetesResourceList<ApiToken>,
          io.fabric8.kubernetes.client.dsl.Resource<ApiToken>>
      apiTokens() {
    return admin.resources(ApiToken.class).inNamespace(NAMESPACE);
  }

  private ApiToken get(String name) {
    return installed.get(NAMESPACE, name);
  }

  private String tokenIn(String name) {
    return replica.tokenValue(NAMESPACE, get(name).getStatus().getSecretName());
  }
}
