package dev.apitoken.demo;

import ch.qos.logback.classic.spi.LogbackServiceProvider;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apitoken.format.CompactJws;
import dev.apitoken.format.MalformedException;
import dev.apitoken.operator.ApiTokenOperator;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.config.ConfigLoader;
import dev.apitoken.operator.config.OperatorConfig;
import dev.apitoken.operator.reconcile.TokenSecretDependent;
import dev.apitoken.operator.runtime.OperatorMetrics;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The README's first command: runs the real operator wiring against an in-process Kubernetes API,
 * applies the YAML in {@code examples/}, waits for the tokens and shows what a user would see; then
 * shows a workload accepting one token and refusing it once revoked ({@link RevocationDemo}). No
 * cluster needed. Exits 0 when every ApiToken that can be issued became Ready and the workload saw
 * the revocation.
 */
public final class EmbeddedRun {
  private static final String OPERATOR_NAMESPACE = "apitoken-system";
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final PrintStream out;

  EmbeddedRun(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    // The sample service's jar (verifier-tools) carries slf4j-nop, binding its own jar to nothing;
    // this run logs through logback. Naming the provider spares SLF4J's "multiple providers"
    // warning, and its note that it loads the named one is below WARN. Set before anything asks
    // SLF4J for a logger.
    System.setProperty("slf4j.provider", LogbackServiceProvider.class.getName());
    System.setProperty("slf4j.internal.verbosity", "WARN");
    dev.apitoken.operator.Main.sizeCommonPool();
    Path examples = Path.of(args.length > 0 ? args[0] : "examples");
    if (!Files.isDirectory(examples)) {
      examples = Path.of("..").resolve(examples);
    }
    Path log = Files.createTempFile("apitoken-demo-", ".log");
    int exit;
    try (OutputStream logFile = DemoLog.to(log)) {
      System.out.println("(the operator's log goes to " + log + ")");
      exit = new EmbeddedRun(System.out).run(examples);
    }
    System.exit(exit);
  }

  int run(Path examples) throws Exception {
    OperatorConfig config =
        ConfigLoader.load(
            new String[] {"--operator-namespace=" + OPERATOR_NAMESPACE, "--leader-election=false"},
            Map.of());
    try (EmbeddedKubernetes kubernetes = new EmbeddedKubernetes();
        ApiTokenOperator operator =
            new ApiTokenOperator(
                kubernetes.client(),
                config,
                ApiTokenOperator.Tuning.production(),
                Clock.systemUTC(),
                new SecureRandom(),
                new OperatorMetrics(new SimpleMeterRegistry(), Clock.systemUTC()))) {
      KubernetesClient client = kubernetes.client();
      out.println("== Starting the operator against an in-process Kubernetes API");
      operator.start();
      List<HasMetadata> applied = apply(client, examples);
      for (String ns : namespacesOf(applied)) {
        if (client.namespaces().withName(ns).get() == null) {
          kubernetes.createNamespace(ns);
        }
      }
      List<ApiToken> tokens = waitForTokens(client);
      printTable(tokens);
      printTokens(client, tokens);
      long notReady = tokens.stream().filter(t -> !isSettled(t)).count();
      if (notReady > 0) {
        out.println();
        out.println(
            "== " + notReady + " ApiToken(s) did not settle within " + TIMEOUT.toSeconds() + "s");
        return 1;
      }
      Optional<ApiToken> demoToken = tokens.stream().filter(EmbeddedRun::isReady).findFirst();
      if (demoToken.isEmpty()) {
        out.println();
        out.println("== No ApiToken became Ready, so there is no token to show a workload.");
        return 1;
      }
      boolean loopShown =
          new RevocationDemo(
                  client,
                  OPERATOR_NAMESPACE,
                  config.trustConfigMapName(),
                  config.issuer(),
                  TIMEOUT,
                  out)
              .run(demoToken.get());
      out.println();
      out.println(
          loopShown
              ? "== Done: every ApiToken was reconciled; the workload accepted the token, then"
                  + " refused it once revoked."
              : "== Every ApiToken was reconciled, but the workload did not see the revocation.");
      return loopShown ? 0 : 1;
    }
  }

  /** The namespaces the applied objects live in, plus the operator's own. */
  private static java.util.Set<String> namespacesOf(List<HasMetadata> objects) {
    java.util.Set<String> names = new TreeSet<>();
    objects.forEach(o -> names.add(o.getMetadata().getNamespace()));
    names.add(OPERATOR_NAMESPACE);
    return names;
  }

  private List<HasMetadata> apply(KubernetesClient client, Path examples) throws IOException {
    List<HasMetadata> applied = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> list = Files.list(examples)) {
      files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    for (Path file : files) {
      try (InputStream in = Files.newInputStream(file)) {
        for (HasMetadata loaded : client.load(in).items()) {
          HasMetadata item = typed(loaded);
          if (item.getMetadata().getNamespace() == null) {
            item.getMetadata().setNamespace("default");
          }
          client.resource(item).create();
          applied.add(item);
          out.printf(
              "applied %s %s/%s (from %s)%n",
              item.getKind(),
              item.getMetadata().getNamespace(),
              item.getMetadata().getName(),
              file.getFileName());
        }
      }
    }
    return applied;
  }

  /** The embedded API has no discovery for custom resources, so ApiTokens go in typed. */
  private static HasMetadata typed(HasMetadata item) {
    if (ApiToken.class.getSimpleName().equals(item.getKind())) {
      return Serialization.unmarshal(Serialization.asJson(item), ApiToken.class);
    }
    return item;
  }

  private List<ApiToken> waitForTokens(KubernetesClient client) throws InterruptedException {
    Instant deadline = Instant.now().plus(TIMEOUT);
    List<ApiToken> tokens;
    do {
      tokens = client.resources(ApiToken.class).inAnyNamespace().list().getItems();
      if (tokens.stream().allMatch(EmbeddedRun::isSettled)) {
        break;
      }
      Thread.sleep(100);
    } while (Instant.now().isBefore(deadline));
    tokens.sort(
        Comparator.comparing((ApiToken t) -> t.getMetadata().getNamespace())
            .thenComparing(t -> t.getMetadata().getName()));
    return tokens;
  }

  private static boolean isReady(ApiToken token) {
    return token.getStatus() != null
        && token.getStatus().getSecretName() != null
        && token.getStatus().getConditions().stream()
            .anyMatch(
                c -> Conditions.READY.equals(c.getType()) && Conditions.TRUE.equals(c.getStatus()));
  }

  /** Ready, refused with a reason the user can act on, or revoked and published. */
  private static boolean isSettled(ApiToken token) {
    return token.getStatus() != null
        && token.getStatus().getConditions().stream()
            .anyMatch(
                c ->
                    (Conditions.READY.equals(c.getType())
                            && (Conditions.TRUE.equals(c.getStatus())
                                || Conditions.REASON_INVALID_SPEC.equals(c.getReason())))
                        || (Conditions.REVOCATION_PUBLISHED.equals(c.getType())
                            && Conditions.TRUE.equals(c.getStatus())));
  }

  /** What the printer column of that condition shows: its status, or nothing. */
  private static String conditionStatus(ApiToken token, String type) {
    return token.getStatus() == null
        ? ""
        : token.getStatus().getConditions().stream()
            .filter(c -> type.equals(c.getType()))
            .map(c -> c.getStatus())
            .findFirst()
            .orElse("");
  }

  private void printTable(List<ApiToken> tokens) {
    out.println();
    out.println("$ kubectl get apitokens -A");
    String format = "%-12s %-22s %-6s %-8s %-22s %-21s %-24s%n";
    out.printf(format, "NAMESPACE", "NAME", "READY", "REVOKED", "SUBJECT", "EXPIRES", "SECRET");
    for (ApiToken token : tokens) {
      out.printf(
          format,
          token.getMetadata().getNamespace(),
          token.getMetadata().getName(),
          conditionStatus(token, Conditions.READY),
          conditionStatus(token, Conditions.REVOKED),
          token.getSpec().getSubject(),
          token.getStatus() == null || token.getStatus().getExpiresAt() == null
              ? ""
              : token.getStatus().getExpiresAt(),
          token.getStatus() == null || token.getStatus().getSecretName() == null
              ? ""
              : token.getStatus().getSecretName());
    }
    for (ApiToken token : tokens) {
      token.getStatus().getConditions().stream()
          .filter(c -> Conditions.FALSE.equals(c.getStatus()))
          .forEach(
              c ->
                  out.printf(
                      "  %s/%s %s=%s %s: %s%n",
                      token.getMetadata().getNamespace(),
                      token.getMetadata().getName(),
                      c.getType(),
                      c.getStatus(),
                      c.getReason(),
                      c.getMessage()));
    }
  }

  private void printTokens(KubernetesClient client, List<ApiToken> tokens) throws IOException {
    for (ApiToken token : tokens) {
      if (token.getStatus() == null || token.getStatus().getSecretName() == null) {
        continue;
      }
      Secret secret =
          client
              .secrets()
              .inNamespace(token.getMetadata().getNamespace())
              .withName(token.getStatus().getSecretName())
              .get();
      if (secret == null) {
        continue;
      }
      CompactJws jws;
      try {
        jws =
            CompactJws.split(
                TokenSecretDependent.tokenValue(secret)
                    .orElse("")
                    .getBytes(StandardCharsets.ISO_8859_1));
      } catch (MalformedException notAToken) {
        continue;
      }
      out.println();
      out.printf(
          "Secret %s/%s, key '%s' (signature not shown):%n",
          secret.getMetadata().getNamespace(),
          secret.getMetadata().getName(),
          TokenSecretDependent.TOKEN_KEY);
      out.println("  header: " + pretty(jws.header()));
      out.println("  claims: " + pretty(jws.payload()));
    }
  }

  private static String pretty(byte[] json) throws IOException {
    JsonNode node = JSON.readTree(json);
    return JSON.writerWithDefaultPrettyPrinter()
        .writeValueAsString(node)
        .replace("\n", "\n          ");
  }
}
