package dev.apitoken.operator.realapi;

import static dev.apitoken.operator.testing.ConditionAssert.assertCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.CapturedLogs;
import dev.apitoken.operator.testing.RunningOperator;
import dev.apitoken.verifier.Rejection;
import dev.apitoken.verifier.Verdict;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A token's life on a real API server, the operator running as the chart's ServiceAccount: issued,
 * revoked (the verdict read by the verifier library from a kubelet-style mount of the trust
 * ConfigMap), deleted through the finalizer, and its Secret garbage-collected by the real
 * kube-controller-manager through the owner reference the operator set.
 */
@ExtendWith(RealApi.class)
class RealApiTokenLifecycleTest {
  private static final String NAMESPACE = "team-lifecycle";
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final List<String> TOKENS_SEEN = new CopyOnWriteArrayList<>();

  private InstalledOperator installed;
  private KubernetesClient admin;
  private RunningOperator replica;

  @BeforeEach
  void start(RealApiServer server) {
    installed = new InstalledOperator(server);
    admin = installed.admin();
    installed.createNamespace(NAMESPACE);
    replica = installed.startLeader();
  }

  @AfterEach
  void stop() throws Exception {
    TOKENS_SEEN.addAll(replica.tokenValuesSeen());
    installed.close();
  }

  @AfterAll
  static void noTokenValueInAnyLogLine() {
    CapturedLogs.assertNoTokenIn(TOKENS_SEEN);
  }

  @Test
  void revokedTokenIsRejectedFromTheMountedTrustFilesAndItsSecretIsDeleted() throws IOException {
    admin.resource(ApiTokens.named("leaked").in(NAMESPACE).build()).create();
    ApiToken ready =
        installed.awaitCondition(NAMESPACE, "leaked", Conditions.READY, Conditions.TRUE);
    String token = replica.tokenValue(NAMESPACE, ready.getStatus().getSecretName());
    assertThat(verifyFromMount(token).isAccepted()).as("the fresh token").isTrue();

    ready.getSpec().setRevoked(true);
    admin.resource(ready).update();

    ApiToken revoked =
        installed.awaitCondition(
            NAMESPACE, "leaked", Conditions.REVOCATION_PUBLISHED, Conditions.TRUE);
    assertCondition(revoked, Conditions.REVOKED, Conditions.TRUE, Conditions.REASON_REVOKED);
    assertCondition(revoked, Conditions.READY, Conditions.FALSE, Conditions.REASON_REVOKED);
    assertThat(verifyFromMount(token).rejection()).contains(Rejection.REVOKED);
    await()
        .atMost(WAIT)
        .until(() -> admin.secrets().inNamespace(NAMESPACE).withName("leaked-token").get() == null);

    admin.resource(revoked).delete();
    await("the finalizer is removed and the ApiToken goes")
        .atMost(WAIT)
        .until(() -> replica.get(NAMESPACE, "leaked") == null);
  }

  @Test
  void deletingAnApiTokenRevokesItsTokenThroughTheFinalizer() throws IOException {
    admin.resource(ApiTokens.named("retired").in(NAMESPACE).build()).create();
    ApiToken ready =
        installed.awaitCondition(NAMESPACE, "retired", Conditions.READY, Conditions.TRUE);
    String token = replica.tokenValue(NAMESPACE, ready.getStatus().getSecretName());
    assertThat(ready.getMetadata().getFinalizers()).isNotEmpty();

    admin.resource(ready).delete();

    await("the finalizer is removed once the revocation is published")
        .atMost(WAIT)
        .until(() -> replica.get(NAMESPACE, "retired") == null);
    assertThat(verifyFromMount(token).rejection()).contains(Rejection.REVOKED);
    await()
        .atMost(WAIT)
        .until(
            () -> admin.secrets().inNamespace(NAMESPACE).withName("retired-token").get() == null);
  }

  /**
   * The operator deletes a token Secret itself when it revokes; the owner reference is what cleans
   * up when it cannot: here the operator is stopped and a user removes the finalizer by hand.
   */
  @Test
  void theGarbageCollectorDeletesTheSecretOfAnApiTokenDeletedWhileTheOperatorIsDown() {
    admin.resource(ApiTokens.named("orphan").in(NAMESPACE).build()).create();
    ApiToken ready =
        installed.awaitCondition(NAMESPACE, "orphan", Conditions.READY, Conditions.TRUE);
    String secretName = ready.getStatus().getSecretName();
    replica.tokenValue(NAMESPACE, secretName);
    Secret secret = admin.secrets().inNamespace(NAMESPACE).withName(secretName).get();
    assertThat(secret.getMetadata().getOwnerReferences())
        .extracting(OwnerReference::getUid, OwnerReference::getKind)
        .containsExactly(tuple(ready.getMetadata().getUid(), "ApiToken"));
    replica.close();

    admin.resource(ready).delete();
    admin
        .resources(ApiToken.class)
        .inNamespace(NAMESPACE)
        .withName("orphan")
        .edit(
            t -> {
              t.getMetadata().setFinalizers(List.of());
              return t;
            });
    await()
        .atMost(WAIT)
        .until(
            () ->
                admin.resources(ApiToken.class).inNamespace(NAMESPACE).withName("orphan").get()
                    == null);

    await("kube-controller-manager's garbage collector deletes the Secret")
        .atMost(WAIT)
        .until(() -> admin.secrets().inNamespace(NAMESPACE).withName(secretName).get() == null);
    assertThat(AuditLog.read(installed.server().auditLog()))
        .as("no request of the operator deleted it")
        .noneMatch(
            e ->
                e.verb().equals("delete")
                    && e.resource().equals("secrets")
                    && secretName.equals(e.name()));
  }

  /** What a workload mounting the trust ConfigMap would conclude, through its files. */
  private Verdict verifyFromMount(String token) throws IOException {
    return MountedTrust.verify(replica, RunningOperator.OPERATOR_NAMESPACE, token);
  }
}
