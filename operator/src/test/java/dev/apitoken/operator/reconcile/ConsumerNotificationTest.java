package dev.apitoken.operator.reconcile;

import static dev.apitoken.operator.testing.ConditionAssert.assertCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.api.Consumer;
import dev.apitoken.operator.api.RolloutRestartTarget;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.CapturedLogs;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, "notify consumers": the workloads whose Pods use an ApiToken's Secret hear of each new
 * token and of its revocation (Events on each workload and one on the ApiToken), status lists them,
 * and spec.rolloutRestart restarts its targets once per new token. The mock API has no controllers,
 * so each test creates the Pods, and the ReplicaSets and Jobs between them and their workloads,
 * itself.
 */
@EnableKubernetesMockClient(crud = true)
class ConsumerNotificationTest {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final List<String> TOKENS_SEEN = new CopyOnWriteArrayList<>();
  static KubernetesClient client;
  static KubernetesMockServer server;

  private RunningOperator operator;
  private MutableClock clock;
  private String ns;

  @BeforeEach
  void start() {
    ns = "consumers-" + COUNTER.incrementAndGet();
    clock = new MutableClock(RunningOperator.START);
    operator = new RunningOperator(client, clock);
    operator.createNamespace(ns, Map.of());
  }

  @AfterEach
  void stop() {
    TOKENS_SEEN.addAll(operator.tokenValuesSeen());
    try (RunningOperator stopping = operator) {
      stopping.deleteAllApiTokens();
    }
  }

  @AfterAll
  static void noTokenValueInAnyLogLine() {
    CapturedLogs.assertNoTokenIn(TOKENS_SEEN);
  }

  @Test
  void everyWorkloadUsingTheSecretHearsOfANewTokenAndOfTheRevocation() {
    operator.start();
    Deployment orders = deploymentWithPod("orders", volume("api-token"));
    StatefulSet db = statefulSetWithPod("db", envFrom("api-token"));
    CronJob nightly = cronJobWithPod("nightly", initContainerSecretKeyRef("api-token"));
    barePod("debug", projected("api-token"));
    barePod("unrelated", volume("other-token"));
    operator.create(ApiTokens.named("api").in(ns).build());
    ApiToken ready = operator.awaitReady(ns, "api");

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(operator.get(ns, "api").getStatus().getConsumers())
                    .containsExactly(
                        new Consumer("CronJob", "nightly"),
                        new Consumer("Deployment", "orders"),
                        new Consumer("Pod", "debug"),
                        new Consumer("StatefulSet", "db")));
    assertThat(operator.get(ns, "api").getStatus().getConsumerCount()).isEqualTo(4);

    clock.advance(Duration.ofMinutes(1));
    requestRenew("api");
    ApiToken renewed = operator.awaitNewToken(ns, "api", ready.getStatus().getJti());
    String jti = renewed.getStatus().getJti();
    operator.tokenValue(ns, "api-token");

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(event(orders, TokenConsumers.REASON_REISSUED))
                  .get()
                  .satisfies(
                      e -> {
                        assertThat(e.getType()).isEqualTo("Normal");
                        assertThat(e.getInvolvedObject().getUid())
                            .isEqualTo(orders.getMetadata().getUid());
                        assertThat(e.getInvolvedObject().getApiVersion()).isEqualTo("apps/v1");
                        assertThat(e.getMessage())
                            .contains("ApiToken " + ns + "/api wrote a new token (jti " + jti)
                            .contains("mounted Secret volumes are updated by the kubelet");
                      });
              assertThat(event(db, TokenConsumers.REASON_REISSUED))
                  .get()
                  .extracting(Event::getMessage)
                  .asString()
                  .contains("jti " + jti)
                  .contains("see it only after a restart");
              assertThat(event(nightly, TokenConsumers.REASON_REISSUED)).isPresent();
              assertThat(eventsOn("Pod", "debug"))
                  .anyMatch(e -> TokenConsumers.REASON_REISSUED.equals(e.getReason()));
              assertThat(eventsOn("Pod", "unrelated")).isEmpty();
              assertThat(eventsOn("ApiToken", "api"))
                  .filteredOn(e -> TokenConsumers.REASON_NOTIFIED.equals(e.getReason()))
                  .extracting(Event::getMessage)
                  .contains(
                      "Secret api-token is used by CronJob "
                          + ns
                          + "/nightly, Deployment "
                          + ns
                          + "/orders, Pod "
                          + ns
                          + "/debug, StatefulSet "
                          + ns
                          + "/db; each got a TokenReissued Event");
            });

    ApiToken current = operator.get(ns, "api");
    current.getSpec().setRevoked(true);
    client.resource(current).update();
    operator.awaitCondition(ns, "api", Conditions.REVOKED, Conditions.TRUE);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              for (HasMetadata workload : List.of(orders, db, nightly)) {
                assertThat(event(workload, TokenConsumers.REASON_REVOKED))
                    .as(workload.getKind())
                    .get()
                    .extracting(Event::getMessage)
                    .asString()
                    .contains("ApiToken " + ns + "/api was revoked")
                    .contains("Secret api-token is deleted");
              }
              assertThat(eventsOn("ApiToken", "api"))
                  .filteredOn(e -> TokenConsumers.REASON_NOTIFIED.equals(e.getReason()))
                  .extracting(Event::getMessage)
                  .anyMatch(m -> m.endsWith("each got a TokenRevoked Event"));
            });
    assertThat(operator.get(ns, "api").getStatus().getConsumerCount()).isEqualTo(4);
    List<String> messages =
        client.v1().events().inNamespace(ns).list().getItems().stream()
            .map(Event::getMessage)
            .toList();
    assertThat(operator.tokenValuesSeen())
        .isNotEmpty()
        .allSatisfy(token -> assertThat(messages).noneMatch(m -> m.contains(token)));
  }

  @Test
  void rolloutRestartRestartsEachTargetOncePerNewTokenAndReportsAMissingOne() {
    operator.start();
    Deployment orders = deploymentWithPod("orders", envFrom("api-token"));
    ApiToken spec = ApiTokens.named("api").in(ns).build();
    spec.getSpec()
        .setRolloutRestart(
            List.of(
                new RolloutRestartTarget(RolloutRestartTarget.DEPLOYMENT, "orders"),
                new RolloutRestartTarget(RolloutRestartTarget.STATEFUL_SET, "gone")));
    operator.create(spec);
    ApiToken ready = operator.awaitReady(ns, "api");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                ready
                    .getStatus()
                    .getJti()
                    .equals(operator.get(ns, "api").getStatus().getRolloutRestartedFor()));
    assertThat(restartedAt(orders)).as("the first token restarts nothing").isNull();

    clock.advance(Duration.ofMinutes(1));
    String renewedAt = clock.instant().toString();
    requestRenew("api");
    ApiToken renewed = operator.awaitNewToken(ns, "api", ready.getStatus().getJti());
    await().atMost(Duration.ofSeconds(10)).until(() -> renewedAt.equals(restartedAt(orders)));
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(eventsOn("ApiToken", "api"))
                  .filteredOn(e -> RolloutRestarts.REASON_RESTARTED.equals(e.getReason()))
                  .singleElement()
                  .extracting(Event::getMessage)
                  .isEqualTo(
                      "restarted Deployment "
                          + ns
                          + "/orders after token "
                          + renewed.getStatus().getJti()
                          + " was written to Secret api-token");
              assertThat(eventsOn("ApiToken", "api"))
                  .filteredOn(e -> RolloutRestarts.REASON_FAILED.equals(e.getReason()))
                  .singleElement()
                  .satisfies(
                      e -> {
                        assertThat(e.getType()).isEqualTo("Warning");
                        assertThat(e.getMessage())
                            .startsWith("could not restart StatefulSet " + ns + "/gone after token")
                            .contains("404");
                      });
            });
    assertCondition(
        operator.get(ns, "api"), Conditions.READY, Conditions.TRUE, Conditions.REASON_ISSUED);

    // Later reconciles (an edit, resyncs, a restart of the operator) restart nothing again.
    clock.advance(Duration.ofMinutes(1));
    ApiToken touched = operator.get(ns, "api");
    touched.getSpec().setRevocationReason("a touch");
    client.resource(touched).update();
    awaitObserved("api");
    operator.restart();
    touched = operator.get(ns, "api");
    touched.getSpec().setRevocationReason("another touch");
    client.resource(touched).update();
    awaitObserved("api");
    assertThat(restartedAt(orders)).isEqualTo(renewedAt);
    assertThat(eventsOn("ApiToken", "api"))
        .filteredOn(e -> RolloutRestarts.REASON_RESTARTED.equals(e.getReason()))
        .hasSize(1);

    // The next new token restarts it again, once.
    String secondRenewal = clock.instant().toString();
    requestRenew("api");
    operator.awaitNewToken(ns, "api", renewed.getStatus().getJti());
    await().atMost(Duration.ofSeconds(10)).until(() -> secondRenewal.equals(restartedAt(orders)));
  }

  /**
   * Issue 22, case 4: spec.rolloutRestart restarted any workload of the namespace, whether or not
   * it uses the token (repeated renew requests restarted an unrelated Deployment again and again).
   * Only a consumer, or a workload that opts in by annotation, is restarted now.
   */
  @Test
  void rolloutRestartRestartsOnlyConsumersAndWorkloadsThatOptIn() {
    operator.start();
    Deployment orders = deploymentWithPod("orders", envFrom("api-token"));
    Deployment unrelated = deploymentWithPod("unrelated", envFrom("other-secret"));
    Deployment optedIn = deploymentWithPod("batch", envFrom("other-secret"));
    optedIn.getMetadata().setAnnotations(Map.of(RolloutRestarts.OPT_IN_ANNOTATION, "x, api"));
    optedIn = client.resource(optedIn).update();
    ApiToken spec = ApiTokens.named("api").in(ns).build();
    spec.getSpec()
        .setRolloutRestart(
            List.of(
                new RolloutRestartTarget(RolloutRestartTarget.DEPLOYMENT, "orders"),
                new RolloutRestartTarget(RolloutRestartTarget.DEPLOYMENT, "unrelated"),
                new RolloutRestartTarget(RolloutRestartTarget.DEPLOYMENT, "batch")));
    operator.create(spec);
    ApiToken ready = operator.awaitReady(ns, "api");

    for (int renewal = 1; renewal <= 2; renewal++) {
      clock.advance(Duration.ofMinutes(1));
      String renewedAt = clock.instant().toString();
      requestRenew("api");
      operator.awaitNewToken(ns, "api", ready.getStatus().getJti());
      ready = operator.get(ns, "api");
      Deployment batch = optedIn;
      await().atMost(Duration.ofSeconds(10)).until(() -> renewedAt.equals(restartedAt(orders)));
      await().atMost(Duration.ofSeconds(10)).until(() -> renewedAt.equals(restartedAt(batch)));
      int refusals = renewal;
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(eventsOn("ApiToken", "api"))
                      .filteredOn(e -> RolloutRestarts.REASON_REFUSED.equals(e.getReason()))
                      .hasSize(refusals)
                      .allSatisfy(
                          e -> {
                            assertThat(e.getType()).isEqualTo("Warning");
                            assertThat(e.getMessage())
                                .startsWith("did not restart Deployment " + ns + "/unrelated")
                                .contains("does not use Secret api-token")
                                .contains(RolloutRestarts.OPT_IN_ANNOTATION);
                          }));
      assertThat(restartedAt(unrelated)).as("an unrelated Deployment is never restarted").isNull();
    }
  }

  @Test
  void withoutPermissionToListPodsTheTokenIsStillIssuedAndConsumersAreOmitted() {
    server
        .expect()
        .get()
        .withPath("/api/v1/namespaces/" + ns + "/pods?resourceVersion=0")
        .andReturn(
            403,
            "{\"kind\":\"Status\",\"code\":403,\"reason\":\"Forbidden\","
                + "\"details\":{\"kind\":\"pods\"}}")
        .always();
    operator.start();
    deploymentWithPod("orders", volume("api-token"));
    operator.create(ApiTokens.named("api").in(ns).build());
    ApiToken ready = operator.awaitReady(ns, "api");
    clock.advance(Duration.ofMinutes(1));
    requestRenew("api");
    ApiToken renewed = operator.awaitNewToken(ns, "api", ready.getStatus().getJti());
    awaitObserved("api");

    assertCondition(renewed, Conditions.READY, Conditions.TRUE, Conditions.REASON_ISSUED);
    assertThat(renewed.getStatus().getConsumers()).isNull();
    assertThat(renewed.getStatus().getConsumerCount()).isNull();
    assertThat(CapturedLogs.lines())
        .filteredOn(l -> l.contains("event=consumers_unknown namespace=" + ns + " "))
        .singleElement()
        .asString()
        .contains("403 Forbidden for pods");
  }

  private void requestRenew(String name) {
    String at = clock.instant().toString();
    client
        .resources(ApiToken.class)
        .inNamespace(ns)
        .withName(name)
        .edit(
            t -> {
              t.getMetadata().setAnnotations(Map.of(ReissueRequests.RENEW_ANNOTATION, at));
              return t;
            });
  }

  private void awaitObserved(String name) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              ApiToken token = operator.get(ns, name);
              return token.getStatus() != null
                  && token
                      .getMetadata()
                      .getGeneration()
                      .equals(token.getStatus().getObservedGeneration());
            });
  }

  private String restartedAt(Deployment deployment) {
    Map<String, String> annotations =
        client
            .apps()
            .deployments()
            .inNamespace(ns)
            .withName(deployment.getMetadata().getName())
            .get()
            .getSpec()
            .getTemplate()
            .getMetadata()
            .getAnnotations();
    return annotations == null ? null : annotations.get(RolloutRestarts.RESTARTED_AT);
  }

  private Optional<Event> event(HasMetadata workload, String reason) {
    return eventsOn(workload.getKind(), workload.getMetadata().getName()).stream()
        .filter(e -> reason.equals(e.getReason()))
        .filter(e -> workload.getMetadata().getUid().equals(e.getInvolvedObject().getUid()))
        .findFirst();
  }

  private List<Event> eventsOn(String kind, String name) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> kind.equals(e.getInvolvedObject().getKind()))
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  // Fixtures: workloads and the objects a controller would create for them.

  private Deployment deploymentWithPod(String name, PodSpec podSpec) {
    Deployment deployment =
        client
            .resource(
                new DeploymentBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .withNamespace(ns)
                    .endMetadata()
                    .withNewSpec()
                    .withNewSelector()
                    .addToMatchLabels("app", name)
                    .endSelector()
                    .withNewTemplate()
                    .withNewMetadata()
                    .addToLabels("app", name)
                    .endMetadata()
                    .withSpec(podSpec)
                    .endTemplate()
                    .endSpec()
                    .build())
            .create();
    var replicaSet =
        client
            .resource(
                new ReplicaSetBuilder()
                    .withNewMetadata()
                    .withName(name + "-5d4f8")
                    .withNamespace(ns)
                    .withOwnerReferences(controlledBy(deployment))
                    .endMetadata()
                    .withNewSpec()
                    .withNewSelector()
                    .addToMatchLabels("app", name)
                    .endSelector()
                    .endSpec()
                    .build())
            .create();
    pod(name + "-5d4f8-x1", podSpec, controlledBy(replicaSet));
    return deployment;
  }

  private StatefulSet statefulSetWithPod(String name, PodSpec podSpec) {
    StatefulSet set =
        client
            .resource(
                new StatefulSetBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .withNamespace(ns)
                    .endMetadata()
                    .withNewSpec()
                    .withNewSelector()
                    .addToMatchLabels("app", name)
                    .endSelector()
                    .withNewTemplate()
                    .withSpec(podSpec)
                    .endTemplate()
                    .endSpec()
                    .build())
            .create();
    pod(name + "-0", podSpec, controlledBy(set));
    return set;
  }

  private CronJob cronJobWithPod(String name, PodSpec podSpec) {
    CronJob cronJob =
        client
            .resource(
                new CronJobBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .withNamespace(ns)
                    .endMetadata()
                    .withNewSpec()
                    .withSchedule("0 3 * * *")
                    .withNewJobTemplate()
                    .withNewSpec()
                    .withNewTemplate()
                    .withSpec(podSpec)
                    .endTemplate()
                    .endSpec()
                    .endJobTemplate()
                    .endSpec()
                    .build())
            .create();
    var job =
        client
            .resource(
                new JobBuilder()
                    .withNewMetadata()
                    .withName(name + "-29000000")
                    .withNamespace(ns)
                    .withOwnerReferences(controlledBy(cronJob))
                    .endMetadata()
                    .withNewSpec()
                    .withNewTemplate()
                    .withSpec(podSpec)
                    .endTemplate()
                    .endSpec()
                    .build())
            .create();
    pod(name + "-29000000-abcde", podSpec, controlledBy(job));
    return cronJob;
  }

  private void barePod(String name, PodSpec podSpec) {
    pod(name, podSpec, null);
  }

  private void pod(String name, PodSpec podSpec, OwnerReference owner) {
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(ns)
            .endMetadata()
            .withSpec(podSpec)
            .build();
    if (owner != null) {
      pod.getMetadata().setOwnerReferences(List.of(owner));
    }
    client.resource(pod).create();
  }

  private static OwnerReference controlledBy(HasMetadata owner) {
    return new OwnerReferenceBuilder()
        .withApiVersion(owner.getApiVersion())
        .withKind(owner.getKind())
        .withName(owner.getMetadata().getName())
        .withUid(owner.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  private static ContainerBuilder container() {
    return new ContainerBuilder().withName("app").withImage("example/app:1");
  }

  static PodSpec volume(String secret) {
    return new PodSpecBuilder()
        .addToContainers(
            container()
                .addNewVolumeMount()
                .withName("token")
                .withMountPath("/t")
                .endVolumeMount()
                .build())
        .addNewVolume()
        .withName("token")
        .withNewSecret()
        .withSecretName(secret)
        .endSecret()
        .endVolume()
        .build();
  }

  static PodSpec projected(String secret) {
    return new PodSpecBuilder()
        .addToContainers(container().build())
        .addNewVolume()
        .withName("all")
        .withNewProjected()
        .addNewSource()
        .withNewConfigMap()
        .withName("apitoken-trust")
        .endConfigMap()
        .endSource()
        .addNewSource()
        .withNewSecret()
        .withName(secret)
        .endSecret()
        .endSource()
        .endProjected()
        .endVolume()
        .build();
  }

  static PodSpec envFrom(String secret) {
    return new PodSpecBuilder()
        .addToContainers(
            container()
                .addNewEnvFrom()
                .withNewSecretRef()
                .withName(secret)
                .endSecretRef()
                .endEnvFrom()
                .build())
        .build();
  }

  static PodSpec initContainerSecretKeyRef(String secret) {
    return new PodSpecBuilder()
        .addToContainers(container().build())
        .addToInitContainers(
            container()
                .withName("init")
                .addNewEnv()
                .withName("TOKEN")
                .withNewValueFrom()
                .withNewSecretKeyRef()
                .withName(secret)
                .withKey("token")
                .endSecretKeyRef()
                .endValueFrom()
                .endEnv()
                .build())
        .build();
  }
}
