package dev.apitoken.operator.reconcile;

import static dev.apitoken.operator.testing.ConditionAssert.assertCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.store.KeyRingSecretStore;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.CapturedLogs;
import dev.apitoken.operator.testing.ConditionAssert;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.KeyRingCodec;
import dev.apitoken.verifier.Rejection;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 9 item 4: the key ring Secret deleted or damaged while the operator runs, or missing when
 * it starts while tokens are outstanding.
 */
@EnableKubernetesMockClient(crud = true)
class KeyRingLossTest {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final List<String> TOKENS_SEEN = new CopyOnWriteArrayList<>();
  static KubernetesClient client;
  static KubernetesMockServer server;

  private final List<Watch> watches = new ArrayList<>();
  private final List<String> targets = new ArrayList<>();
  private RunningOperator operator;
  private String ns;
  private String keyRingSecret;

  @BeforeEach
  void namespaces() {
    int n = COUNTER.incrementAndGet();
    ns = "keyloss-" + n;
    keyRingSecret = "keys-" + ns;
    targets.clear();
    for (String target : List.of(ns, "verifiers-" + n)) {
      client
          .namespaces()
          .resource(
              new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                  .withNewMetadata()
                  .withName(target)
                  .endMetadata()
                  .build())
          .create();
      targets.add(target);
    }
    targets.add(RunningOperator.OPERATOR_NAMESPACE);
  }

  @AfterEach
  void stop() {
    watches.forEach(Watch::close);
    if (operator != null) {
      TOKENS_SEEN.addAll(operator.tokenValuesSeen());
      operator.deleteAllApiTokens();
      operator.close();
    }
  }

  @AfterAll
  static void noTokenValueOrPrivateKeyInAnyLogLineOrEvent() {
    CapturedLogs.assertNoTokenIn(TOKENS_SEEN);
    String events = Serialization.asJson(client.v1().events().inAnyNamespace().list());
    for (String token : TOKENS_SEEN) {
      assertThat(events).doesNotContain(token.substring(token.lastIndexOf('.') + 1));
    }
  }

  private RunningOperator operator(String... settings) {
    List<String> all = new ArrayList<>(List.of("--key-ring-secret=" + keyRingSecret));
    all.addAll(List.of(settings));
    return new RunningOperator(
        client, new MutableClock(RunningOperator.START), all.toArray(String[]::new));
  }

  @Test
  void aKeyRingDeletedOrEditedWhileRunningIsWrittenBackWithTheSameKeys() {
    operator = operator().start();
    // Outlive the rotation below, so every token must still verify after it.
    operator.create(ApiTokens.named("first").in(ns).ttl("2000h").build());
    operator.create(ApiTokens.named("second").in(ns).ttl("2000h").build());
    Map<String, String> tokens = new HashMap<>();
    for (String name : List.of("first", "second")) {
      ApiToken ready = operator.awaitReady(ns, name);
      tokens.put(ready.getStatus().getJti(), operator.tokenValue(ns, name + "-token"));
    }
    KeyRing held = storedKeyRing();

    secret().delete();

    await().atMost(Duration.ofSeconds(10)).until(() -> held.equals(storedKeyRingOrNull()));
    awaitKeyRingWarning(KeyRingSecretStore.REASON_RESTORED, "was deleted");
    assertEveryTokenVerifiesEverywhere(tokens.values());
    assertNoReissue(tokens);

    // Rotation after the repair writes against the recreated Secret (it failed before: 404).
    operator.clock().advance(operator.config().keyRotationPeriod().plusMinutes(1));
    operator.maintainKeys();
    KeyRing rotated = storedKeyRing();
    assertThat(rotated.activeKey().kid()).isNotEqualTo(held.activeKey().kid());
    operator.create(ApiTokens.named("after-rotation").in(ns).build());
    ApiToken fresh = operator.awaitReady(ns, "after-rotation");
    assertThat(fresh.getStatus().getKeyId()).isEqualTo(rotated.activeKey().kid());
    tokens.put(fresh.getStatus().getJti(), operator.tokenValue(ns, "after-rotation-token"));

    // An edit that swaps in a valid ring of other keys loses keys that verify tokens: put back.
    KeyRing foreign = KeyRing.create(operator.clock().instant(), new SecureRandom());
    Secret edited = secret().get();
    edited.setData(Map.of(KeyRingSecretStore.KEY, encode(KeyRingCodec.toJson(foreign))));
    client.resource(edited).update();

    await().atMost(Duration.ofSeconds(10)).until(() -> rotated.equals(storedKeyRingOrNull()));
    awaitKeyRingWarning(KeyRingSecretStore.REASON_RESTORED, "lacks keys");

    // Unreadable content is put back too.
    Secret emptied = secret().get();
    emptied.setData(Map.of(KeyRingSecretStore.KEY, encode("{\"keys\":[]}")));
    client.resource(emptied).update();
    await().atMost(Duration.ofSeconds(10)).until(() -> rotated.equals(storedKeyRingOrNull()));
    awaitKeyRingWarning(KeyRingSecretStore.REASON_RESTORED, "holds no readable key ring");

    assertEveryTokenVerifiesEverywhere(tokens.values());
    assertNoReissue(tokens);
    assertThat(events(RunningOperator.OPERATOR_NAMESPACE, keyRingSecret))
        .allSatisfy(e -> assertThat(e.getMessage()).doesNotContain(privateKeys(rotated)));
  }

  @Test
  void startingWithoutTheKeyRingPublishesTheNewKeyEverywhereBeforeItSignsAndReissuesEveryToken() {
    operator = operator().start();
    List<String> names = List.of("alpha", "beta", "gamma");
    Map<String, String> oldJtis = new HashMap<>();
    List<String> oldTokens = new ArrayList<>();
    for (String name : names) {
      operator.create(ApiTokens.named(name).in(ns).build());
    }
    for (String name : names) {
      oldJtis.put(name, operator.awaitReady(ns, name).getStatus().getJti());
      oldTokens.add(operator.tokenValue(ns, name + "-token"));
    }
    String lostKid = storedKeyRing().activeKey().kid();
    operator.close();
    secret().delete();

    List<Write> writes = new CopyOnWriteArrayList<>();
    record(client.configMaps().inAnyNamespace(), writes, KeyRingLossTest::trustKids);
    record(client.secrets().inNamespace(ns), writes, KeyRingLossTest::tokenKid);
    List<String> readyReasons = new CopyOnWriteArrayList<>();
    watches.add(
        client
            .resources(ApiToken.class)
            .inNamespace(ns)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, ApiToken token) {
                    ConditionAssert.condition(token, Conditions.READY)
                        .ifPresent(
                            c ->
                                readyReasons.add(
                                    token.getMetadata().getName() + ":" + c.getReason()));
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                }));

    operator.start();

    List<String> newTokens = new ArrayList<>();
    for (String name : names) {
      ApiToken reissued = operator.awaitNewToken(ns, name, oldJtis.get(name));
      newTokens.add(operator.tokenValue(ns, name + "-token"));
      assertThat(reissued.getStatus().getTokens())
          .as("the old token stays listed, so revoking the ApiToken still covers it")
          .anyMatch(t -> t.getJti().equals(oldJtis.get(name)));
    }
    String newKid = storedKeyRing().activeKey().kid();
    assertThat(newKid).isNotEqualTo(lostKid);

    // Ordering, by the API server's resourceVersions: in every target namespace the new key was
    // in the trust ConfigMap before any Secret received a token it signed.
    long firstSignature =
        writes.stream()
            .filter(w -> w.kind().equals("Secret") && w.kids().contains(newKid))
            .mapToLong(Write::resourceVersion)
            .min()
            .orElseThrow();
    for (String target : targets) {
      long published =
          writes.stream()
              .filter(
                  w ->
                      w.kind().equals("ConfigMap")
                          && w.namespace().equals(target)
                          && w.kids().contains(newKid))
              .mapToLong(Write::resourceVersion)
              .min()
              .orElseThrow(() -> new AssertionError("new key never published in " + target));
      assertThat(published)
          .as("new key published in %s before it signed", target)
          .isLessThan(firstSignature);
    }

    for (String target : targets) {
      for (String token : newTokens) {
        assertThat(operator.verifierFor(target).verify(token).isAccepted()).as(target).isTrue();
      }
      for (String token : oldTokens) {
        assertThat(operator.verifierFor(target).verify(token).rejection())
            .contains(Rejection.UNKNOWN_KEY);
      }
    }
    for (String name : names) {
      assertThat(readyReasons)
          .as("every affected ApiToken said why before it got its new token")
          .contains(name + ":" + Conditions.REASON_SIGNING_KEY_GONE);
      assertThat(events(ns, name))
          .anySatisfy(
              e -> {
                assertThat(e.getType()).isEqualTo(EventRecorder.WARNING);
                assertThat(e.getReason()).isEqualTo(Conditions.REASON_SIGNING_KEY_GONE);
                assertThat(e.getMessage())
                    .contains("signed by key " + lostKid)
                    .contains("no longer in the signing key ring");
              });
      assertCondition(
          operator.get(ns, name), Conditions.READY, Conditions.TRUE, Conditions.REASON_ISSUED);
    }
    awaitKeyRingWarning(KeyRingSecretStore.REASON_RECREATED, lostKid);
    TOKENS_SEEN.addAll(oldTokens);
  }

  @Test
  void aNewKeyThatIsNotYetWrittenEverywhereDoesNotSign() {
    operator = operator().start();
    operator.create(ApiTokens.named("before").in(ns).ttl("2000h").build());
    operator.awaitReady(ns, "before");
    String verifiers = targets.get(1);
    // The API server refuses that namespace's copy for a while (the client's own retries back off
    // over about 13 s before the write goes through).
    server
        .expect()
        .put()
        .withPath(
            "/api/v1/namespaces/"
                + verifiers
                + "/configmaps/"
                + operator.config().trustConfigMapName())
        .andReturn(500, "{\"kind\":\"Status\",\"code\":500,\"reason\":\"InternalError\"}")
        .times(7);

    // Rotation overdue: the new key would sign at once, but one namespace does not list it yet.
    operator.clock().advance(operator.config().keyRotationPeriod().plusMinutes(1));
    CompletableFuture<Void> rotation = CompletableFuture.runAsync(operator::maintainKeys);
    await().atMost(Duration.ofSeconds(10)).until(() -> storedKeyRing().keys().size() == 2);
    String newKid = storedKeyRing().activeKey().kid();
    operator.create(ApiTokens.named("during").in(ns).ttl("2000h").build());

    ApiToken waiting = operator.awaitCondition(ns, "during", Conditions.READY, Conditions.FALSE);
    assertCondition(
        waiting, Conditions.READY, Conditions.FALSE, Conditions.REASON_SIGNING_KEY_NOT_PUBLISHED);
    assertThat(ConditionAssert.condition(waiting, Conditions.READY).orElseThrow().getMessage())
        .contains(newKid);
    assertThat(operator.secret(ns, "during-token")).isNull();
    assertThat(trustKids(operator.trustConfigMap(verifiers))).doesNotContain(newKid);

    ApiToken issued = operator.awaitReady(ns, "during");
    rotation.join();
    assertThat(issued.getStatus().getKeyId()).isEqualTo(newKid);
    String token = operator.tokenValue(ns, "during-token");
    assertEveryTokenVerifiesEverywhere(List.of(token));
  }

  @Test
  void reissuesAfterAKeyLossStayWithinTheRateBound() {
    operator = operator("--key-loss-reissue-limit=2", "--key-loss-reissue-interval=2s").start();
    List<String> names = IntStream.rangeClosed(1, 5).mapToObj(i -> "t" + i).toList();
    names.forEach(name -> operator.create(ApiTokens.named(name).in(ns).build()));
    names.forEach(name -> operator.awaitReady(ns, name));
    String lostKid = storedKeyRing().activeKey().kid();
    operator.close();
    secret().delete();

    // The test clock stands still: only the clock opens the next interval.
    operator.start();
    String newKid = storedKeyRing().activeKey().kid();
    assertReissuedStaysAt(2, names, newKid);
    List<ApiToken> waiting =
        names.stream()
            .map(name -> operator.get(ns, name))
            .filter(t -> !newKid.equals(t.getStatus().getKeyId()))
            .toList();
    assertThat(waiting).hasSize(3);
    for (ApiToken token : waiting) {
      assertCondition(
          token, Conditions.READY, Conditions.FALSE, Conditions.REASON_SIGNING_KEY_GONE);
      assertThat(ConditionAssert.condition(token, Conditions.READY).orElseThrow().getMessage())
          .contains(lostKid)
          .contains("at most 2 such reissues per 2s");
    }

    operator.clock().advance(Duration.ofSeconds(2));
    assertReissuedStaysAt(4, names, newKid);
    operator.clock().advance(Duration.ofSeconds(2));
    assertReissuedStaysAt(5, names, newKid);
    names.forEach(name -> operator.awaitReady(ns, name));
  }

  private void assertReissuedStaysAt(int expected, List<String> names, String newKid) {
    await().atMost(Duration.ofSeconds(20)).until(() -> reissued(names, newKid) == expected);
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(() -> reissued(names, newKid) == expected);
  }

  private long reissued(List<String> names, String newKid) {
    return names.stream()
        .map(name -> operator.secret(ns, name + "-token"))
        .filter(
            s ->
                s != null
                    && newKid.equals(
                        s.getMetadata().getAnnotations().get(Labels.ANNOTATION_KEY_ID)))
        .count();
  }

  private void assertEveryTokenVerifiesEverywhere(java.util.Collection<String> tokens) {
    for (String target : targets) {
      for (String token : tokens) {
        assertThat(operator.verifierFor(target).verify(token).rejection())
            .as("rejection by the trust ConfigMap in %s", target)
            .isEmpty();
      }
    }
  }

  private void assertNoReissue(Map<String, String> tokensByJti) {
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(4))
        .until(
            () ->
                client.resources(ApiToken.class).inNamespace(ns).list().getItems().stream()
                    .allMatch(t -> tokensByJti.containsKey(t.getStatus().getJti())));
  }

  private void awaitKeyRingWarning(String reason, String messagePart) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                events(RunningOperator.OPERATOR_NAMESPACE, keyRingSecret).stream()
                    .anyMatch(
                        e ->
                            EventRecorder.WARNING.equals(e.getType())
                                && reason.equals(e.getReason())
                                && e.getMessage().contains(messagePart)));
  }

  private io.fabric8.kubernetes.client.dsl.Resource<Secret> secret() {
    return client.secrets().inNamespace(RunningOperator.OPERATOR_NAMESPACE).withName(keyRingSecret);
  }

  private KeyRing storedKeyRing() {
    KeyRing ring = storedKeyRingOrNull();
    assertThat(ring).as("key ring Secret").isNotNull();
    return ring;
  }

  private KeyRing storedKeyRingOrNull() {
    Secret secret = secret().get();
    if (secret == null || secret.getData() == null) {
      return null;
    }
    try {
      return KeyRingCodec.fromJson(
          new String(
              Base64.getDecoder().decode(secret.getData().get(KeyRingSecretStore.KEY)),
              StandardCharsets.UTF_8));
    } catch (RuntimeException unreadable) {
      return null;
    }
  }

  private static String encode(String json) {
    return Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  private static String[] privateKeys(KeyRing ring) {
    List<String> d = new ArrayList<>();
    Serialization.unmarshal(KeyRingCodec.toJson(ring), JsonNode.class)
        .path("keys")
        .forEach(key -> d.add(key.path("d").asText()));
    return d.toArray(String[]::new);
  }

  private List<Event> events(String namespace, String name) {
    return client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  /** A write seen by a watch: its resourceVersion and the key ids it holds. */
  private record Write(long resourceVersion, String kind, String namespace, Set<String> kids) {}

  private <T extends HasMetadata> void record(
      io.fabric8.kubernetes.client.dsl.Watchable<T> what,
      List<Write> writes,
      java.util.function.Function<T, Set<String>> kids) {
    watches.add(
        what.watch(
            new Watcher<T>() {
              @Override
              public void eventReceived(Action action, T resource) {
                if (action != Action.DELETED) {
                  writes.add(
                      new Write(
                          Long.parseLong(resource.getMetadata().getResourceVersion()),
                          resource.getKind(),
                          resource.getMetadata().getNamespace(),
                          kids.apply(resource)));
                }
              }

              @Override
              public void onClose(WatcherException cause) {}
            }));
  }

  private static Set<String> trustKids(ConfigMap map) {
    Set<String> kids = new TreeSet<>();
    String jwks = map.getData() == null ? null : map.getData().get(TrustDocument.JWKS_KEY);
    if (jwks != null) {
      for (JsonNode key : Serialization.unmarshal(jwks, JsonNode.class).path("keys")) {
        kids.add(key.path("kid").asText());
      }
    }
    return kids;
  }

  private static Set<String> tokenKid(Secret secret) {
    String kid =
        secret.getMetadata().getAnnotations() == null
            ? null
            : secret.getMetadata().getAnnotations().get(Labels.ANNOTATION_KEY_ID);
    return kid == null ? Set.of() : Set.of(kid);
  }
}
