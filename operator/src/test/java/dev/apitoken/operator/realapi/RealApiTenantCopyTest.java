package dev.apitoken.operator.realapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListDocument;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.ConditionAssert;
import dev.apitoken.operator.testing.RunningOperator;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 20 on a real API server: a tenant holding nothing but the built-in {@code edit} role in its
 * own namespaces (one selected, one not) edits its trust copy and plants a look-alike, with every
 * status bit set and the annotations the operator once read back. The API server lets it; the
 * operator puts its copy back and no verdict anywhere changes.
 */
@ExtendWith(RealApi.class)
class RealApiTenantCopyTest {
  private static final String SELECTOR_VALUE = "tenant-test";
  private static final String VICTIM = "team-victim";
  private static final String TENANT = "team-tenant";
  private static final String SANDBOX = "tenant-sandbox";
  private static final Duration WAIT = Duration.ofSeconds(60);

  private InstalledOperator installed;
  private KubernetesClient admin;
  private RunningOperator replica;

  @BeforeEach
  void start(RealApiServer server) {
    installed = InstalledOperator.selecting(server, SELECTOR_VALUE);
    admin = installed.admin();
    installed.createSelectedNamespace(VICTIM);
    installed.createSelectedNamespace(TENANT);
    installed.createNamespace(SANDBOX, Map.of());
    // The built-in edit role is aggregated by a controller this server does not run (it is empty
    // here), so the tenant gets exactly the ConfigMap verbs edit grants, in its two namespaces.
    admin
        .resource(
            new io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder()
                .withNewMetadata()
                .withName("tenant-configmaps")
                .endMetadata()
                .addNewRule()
                .withApiGroups("")
                .withResources("configmaps")
                .withVerbs("get", "list", "watch", "create", "update", "patch", "delete")
                .endRule()
                .build())
        .createOr(existing -> existing.update());
    for (String namespace : new String[] {TENANT, SANDBOX}) {
      admin
          .resource(
              new RoleBindingBuilder()
                  .withNewMetadata()
                  .withName("tenant-edit")
                  .withNamespace(namespace)
                  .endMetadata()
                  .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "tenant-configmaps")
                  .addNewSubject()
                  .withKind("ServiceAccount")
                  .withName("tenant")
                  .withNamespace(TENANT)
                  .endSubject()
                  .build())
          .createOr(existing -> existing.update());
    }
    replica = installed.startLeader();
  }

  @AfterEach
  void stop() throws Exception {
    installed.deleteApiTokens(VICTIM);
    installed.close();
  }

  private String everyBitSet() {
    byte[] bytes = new byte[(1 << 21) / 8];
    Arrays.fill(bytes, (byte) 0xff);
    return StatusListDocument.of(StatusList.ofBytes(1, bytes), replica.config().statusListUri())
        .toJson();
  }

  /** The tenant's write, with its own (edit-role) credentials. */
  private void tenantWrites(KubernetesClient tenant, String namespace, String activeKid) {
    String name = replica.config().trustConfigMapName();
    ConfigMap existing = tenant.configMaps().inNamespace(namespace).withName(name).get();
    Map<String, String> data = new HashMap<>(existing == null ? Map.of() : existing.getData());
    data.put(TrustDocument.STATUS_LIST_KEY, everyBitSet());
    ConfigMap planted =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withNamespace(namespace)
            .withName(name)
            .withLabels(Labels.managed("trust"))
            .withAnnotations(
                Map.of(
                    "apitoken.dev/indices-reserved",
                    "33554431",
                    "apitoken.dev/revoked-kids",
                    activeKid + "=" + java.time.Instant.now()))
            .endMetadata()
            .withData(data)
            .build();
    if (existing == null) {
      tenant.resource(planted).create();
    } else {
      planted.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
      tenant.resource(planted).update();
    }
  }

  @Test
  void aTenantWithEditRightsChangesNoVerdictAndStopsNoIssuance() throws Exception {
    admin.resource(ApiTokens.named("victim").in(VICTIM).build()).create();
    await().atMost(WAIT).until(() -> ready("victim"));
    ApiToken victim = replica.get(VICTIM, "victim");
    long index = victim.getStatus().getStatusListIndex();
    String token = replica.tokenValue(VICTIM, victim.getStatus().getSecretName());
    String kid = victim.getStatus().getKeyId();
    await().atMost(WAIT).until(() -> replica.trustConfigMap(TENANT) != null);

    KubernetesClient tenant = installed.server().clientAs(TENANT, "tenant");
    try {
      tenantWrites(tenant, TENANT, kid);
      tenantWrites(tenant, SANDBOX, kid);
    } finally {
      tenant.close();
    }
    assertThat(
            admin
                .configMaps()
                .inNamespace(SANDBOX)
                .withName(replica.config().trustConfigMapName())
                .get())
        .as("the API server let the tenant plant a look-alike")
        .isNotNull();

    await("the tenant's copy is put back")
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(MountedTrust.verify(replica, TENANT, token).isAccepted())
                    .as("verdict in the tenant's namespace")
                    .isTrue());
    replica.operator().maintain();
    replica.maintainKeys();
    assertThat(replica.operator().revocationStore().isRevoked(index)).isFalse();
    assertThat(MountedTrust.verify(replica, VICTIM, token).isAccepted()).isTrue();
    assertThat(replica.trustConfigMap(VICTIM).getData().get(TrustDocument.JWKS_KEY)).contains(kid);

    admin.resource(ApiTokens.named("later").in(VICTIM).build()).create();
    await().atMost(WAIT).until(() -> ready("later"));
    ApiToken later = replica.get(VICTIM, "later");
    assertThat(later.getStatus().getStatusListIndex()).isLessThan(1L << 21);
    String laterToken = replica.tokenValue(VICTIM, later.getStatus().getSecretName());
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(MountedTrust.verify(replica, VICTIM, laterToken).isAccepted()).isTrue());
  }

  private boolean ready(String name) {
    ApiToken t = replica.get(VICTIM, name);
    return t != null && ConditionAssert.hasCondition(t, Conditions.READY, Conditions.TRUE);
  }
}
