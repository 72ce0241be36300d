package dev.apitoken.operator.realapi;

import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.testing.ConditionAssert;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The chart installed into the shared real API server (release {@value #RELEASE} in {@link
 * RunningOperator#OPERATOR_NAMESPACE}), and the operator wired exactly as {@code Main} wires it,
 * running in-process as the chart's ServiceAccount (impersonated), leader election on.
 */
final class InstalledOperator implements AutoCloseable {
  static final String RELEASE = "apitoken";

  /** The label {@link #selecting} selects target namespaces by. */
  static final String SELECTOR_LABEL = "realapi.apitoken.dev/trust";

  private static final Duration WAIT = Duration.ofSeconds(60);

  private final RealApiServer server;
  private final ChartRelease chart;
  private final KubernetesClient admin;
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private String selectorValue;

  InstalledOperator(RealApiServer server) {
    this(server, RELEASE, RunningOperator.OPERATOR_NAMESPACE);
  }

  /**
   * Another release in its own namespace, with its own ServiceAccount. {@link RunningOperator}'s
   * trust ConfigMap helpers assume {@link RunningOperator#OPERATOR_NAMESPACE}.
   */
  InstalledOperator(RealApiServer server, String release, String namespace) {
    this(server, release, namespace, List.of());
  }

  private InstalledOperator(
      RealApiServer server, String release, String namespace, List<String> helmArgs) {
    this.server = server;
    this.admin = server.adminClient();
    this.chart =
        ChartRelease.render(release, namespace, helmArgs.toArray(String[]::new)).install(admin);
  }

  /**
   * The default release rendered with chart values set as a user would ({@code helm template --set
   * name=value}), e.g. {@code "targetNamespaceSelector=team=a"}.
   */
  static InstalledOperator withValues(RealApiServer server, String... values) {
    List<String> args = new ArrayList<>();
    for (String value : values) {
      args.add("--set");
      args.add(value);
    }
    return new InstalledOperator(server, RELEASE, RunningOperator.OPERATOR_NAMESPACE, args);
  }

  /**
   * The default release with {@code targetNamespaceSelector=}{@value #SELECTOR_LABEL}{@code
   * =<value>}: of the namespaces, only those made by {@link #createSelectedNamespace} get a trust
   * copy, so namespaces other tests leave behind do not.
   */
  static InstalledOperator selecting(RealApiServer server, String value) {
    InstalledOperator installed =
        withValues(server, "targetNamespaceSelector=" + SELECTOR_LABEL + "=" + value);
    installed.selectorValue = value;
    return installed;
  }

  /** Creates the namespace (or relabels the one a previous test left) as selected. */
  void createSelectedNamespace(String name) {
    if (selectorValue == null) {
      throw new IllegalStateException("installed without a selector: use selecting(...)");
    }
    createNamespace(name, Map.of(SELECTOR_LABEL, selectorValue));
  }

  /** Starts a replica ({@link #startReplica}) and waits until some replica leads. */
  RunningOperator startLeader() {
    return startLeader(Duration.ofSeconds(10));
  }

  /** {@link #startLeader()}, every ApiToken reconciled at least every {@code maxResync}. */
  RunningOperator startLeader(Duration maxResync) {
    RunningOperator replica = startReplica(maxResync);
    awaitLeader(WAIT);
    return replica;
  }

  ApiToken get(String namespace, String name) {
    return admin.resources(ApiToken.class).inNamespace(namespace).withName(name).get();
  }

  /** Waits until the ApiToken has the condition with this status, as kubectl wait would. */
  ApiToken awaitCondition(String namespace, String name, String type, String status) {
    await(namespace + "/" + name + " " + type + "=" + status)
        .atMost(WAIT)
        .until(() -> ConditionAssert.hasCondition(get(namespace, name), type, status));
    return get(namespace, name);
  }

  RealApiServer server() {
    return server;
  }

  ChartRelease chart() {
    return chart;
  }

  KubernetesClient admin() {
    return admin;
  }

  /** A client with exactly the chart's permissions. */
  KubernetesClient asServiceAccount() {
    KubernetesClient client = server.clientAs(chart.namespace(), chart.serviceAccount());
    toClose.add(client);
    return client;
  }

  /** Starts an operator replica as the chart's ServiceAccount, configured as the chart does. */
  RunningOperator startReplica() {
    return startReplica(Duration.ofSeconds(10));
  }

  /** {@link #startReplica()}, every ApiToken reconciled at least every {@code maxResync}. */
  RunningOperator startReplica(Duration maxResync) {
    RunningOperator replica =
        new RunningOperator(
                asServiceAccount(),
                new MutableClock(Instant.now()),
                chart.operatorFlags().toArray(String[]::new))
            .withMaxResync(maxResync);
    toClose.add(0, replica);
    return replica.start();
  }

  String leaseName() {
    return setting("lease-name");
  }

  String issuer() {
    return setting("issuer");
  }

  String trustConfigMapName() {
    return setting("trust-configmap");
  }

  /** A setting as the chart gives it to the operator ({@code APITOKEN_<NAME>}). */
  private String setting(String name) {
    return chart.operatorFlags().stream()
        .filter(f -> f.startsWith("--" + name + "="))
        .map(f -> f.substring(("--" + name + "=").length()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("the chart sets no APITOKEN for " + name));
  }

  Lease lease() {
    return admin.leases().inNamespace(chart.namespace()).withName(leaseName()).get();
  }

  /** The Lease names a holder whose last renewal has not yet expired. */
  static boolean held(Lease lease) {
    if (lease == null || lease.getSpec() == null) {
      return false;
    }
    var spec = lease.getSpec();
    return spec.getHolderIdentity() != null
        && !spec.getHolderIdentity().isEmpty()
        && spec.getRenewTime() != null
        && spec.getRenewTime()
            .plusSeconds(spec.getLeaseDurationSeconds())
            .isAfter(ZonedDateTime.now());
  }

  static String holder(Lease lease) {
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  /** Waits until a replica holds the Lease and returns its identity. */
  String awaitLeader(Duration atMost) {
    return holder(await().atMost(atMost).until(this::lease, InstalledOperator::held));
  }

  /**
   * Deletes the ApiTokens of {@code namespace} and waits until their finalizers are done, so no
   * test leaves work (or a stuck finalizer) to the next one's operator. Needs a running replica.
   */
  void deleteApiTokens(String namespace) {
    admin.resources(ApiToken.class).inNamespace(namespace).delete();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                admin.resources(ApiToken.class).inNamespace(namespace).list().getItems().isEmpty());
  }

  void createNamespace(String name) {
    createNamespace(name, Map.of());
  }

  /** Creates the namespace, or sets exactly these labels on the one a previous test left. */
  void createNamespace(String name, Map<String, String> labels) {
    admin
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .build())
        .unlock()
        .createOr(NonDeletingOperation::update);
  }

  @Override
  public void close() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
    admin.close();
  }
}
