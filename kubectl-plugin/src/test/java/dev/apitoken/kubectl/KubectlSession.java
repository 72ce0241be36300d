package dev.apitoken.kubectl;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A shell session of the README's incident walkthrough against the mock API server: {@code kubectl
 * apitoken ...} runs the plugin's real {@link Main} in process; plain kubectl runs through a small,
 * strict interpreter of exactly the kubectl the README uses ({@code patch --type=merge}, {@code
 * annotate [--overwrite]}, {@code wait --for=condition=|--for=jsonpath=}, {@code get -o
 * jsonpath=}). Any other command, flag or shell feature is refused with an exception, so the README
 * cannot drift into commands no test runs. {@code $(date -u +...)} reads the test clock.
 *
 * <p>Time in the cluster is the test clock. A user's {@code kubectl wait --timeout=15m} lasts up to
 * 15 minutes, and the operator's scheduled work (a grace period) happens while it waits: the
 * session moves the clock on a few minutes at a time, but only while the object waited for is
 * settled (kstatus: its status observes the current generation and {@code Reconciling} is not
 * True), so a slow machine never uses up the timeout while the operator is still busy.
 */
final class KubectlSession {
  /** The clock the operator and the plugin read, and how it moves. */
  interface TestTime {
    Clock clock();

    /** Moves the clock on by {@code step} and returns once the operator has reconciled since. */
    void pass(Duration step);
  }

  record Result(int code, String out, String err) {}

  /** A command as typed and what it printed. */
  record Ran(String line, Result result) {}

  /**
   * How far the clock moves per step while kubectl waits. The operator looks at a new time within
   * about a second (its shortest reschedule), so this sets how long a 10m grace takes to run here.
   */
  static final Duration WAIT_STEP = Duration.ofMinutes(2);

  private static final Duration REAL_TIME_LIMIT = Duration.ofSeconds(40);
  private static final Duration DEFAULT_WAIT_TIMEOUT = Duration.ofSeconds(30);
  private static final Pattern GO_DURATION = Pattern.compile("([0-9]+)(h|m|s)");

  private static final ResourceDefinitionContext SECRETS =
      new ResourceDefinitionContext.Builder()
          .withGroup("")
          .withVersion("v1")
          .withKind("Secret")
          .withPlural("secrets")
          .withNamespaced(true)
          .build();

  /** The resource types the README names, as kubectl prints them, and where they live. */
  private enum Type {
    APITOKEN("apitokens.apitoken.dev", "apitoken.apitoken.dev", Cluster.API_TOKENS),
    SECRET("secrets", "secret", SECRETS);

    final String plural;
    final String shown;
    final ResourceDefinitionContext context;

    Type(String plural, String shown, ResourceDefinitionContext context) {
      this.plural = plural;
      this.shown = shown;
      this.context = context;
    }

    static Type of(String word) {
      return switch (word) {
        case "apitoken", "apitokens" -> APITOKEN;
        case "secret", "secrets" -> SECRET;
        default -> throw new IllegalArgumentException("resource type not in the subset: " + word);
      };
    }
  }

  private final KubernetesClient client;
  private final TestTime time;
  private final List<Ran> transcript = new ArrayList<>();
  private final List<String> substitutions = new ArrayList<>();

  KubectlSession(KubernetesClient client, TestTime time) {
    this.client = client;
    this.time = time;
  }

  /** Every command run so far, with its output. */
  List<Ran> transcript() {
    return List.copyOf(transcript);
  }

  /** What each {@code $(...)} printed, in order. */
  List<String> substitutions() {
    return List.copyOf(substitutions);
  }

  /** Runs one command line of a README block, placeholders such as {@code <kid>} filled in. */
  Result run(String line, Map<String, String> placeholders) {
    List<String> words = ShellWords.words(line, placeholders, this::substitute);
    if (words.isEmpty() || !words.get(0).equals("kubectl") || words.size() < 2) {
      throw new IllegalArgumentException("not a kubectl command: " + line);
    }
    List<String> args = words.subList(2, words.size());
    Result result =
        switch (words.get(1)) {
          case "apitoken" -> plugin(args);
          case "patch" -> patch(args);
          case "annotate" -> annotate(args);
          case "wait" -> waitFor(args);
          case "get" -> get(args);
          default ->
              throw new IllegalArgumentException("kubectl verb not in the subset: " + words.get(1));
        };
    transcript.add(new Ran(line, result));
    return result;
  }

  private String substitute(List<String> argv) {
    if (argv.size() != 3
        || !argv.get(0).equals("date")
        || !argv.get(1).equals("-u")
        || !argv.get(2).startsWith("+")) {
      throw new IllegalArgumentException("command substitution not in the subset: " + argv);
    }
    ZonedDateTime now = ZonedDateTime.ofInstant(time.clock().instant(), ZoneOffset.UTC);
    String format = argv.get(2).substring(1);
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < format.length(); i++) {
      char c = format.charAt(i);
      if (c != '%') {
        out.append(c);
        continue;
      }
      char field = i + 1 < format.length() ? format.charAt(++i) : ' ';
      switch (field) {
        case 'Y' -> out.append(String.format("%04d", now.getYear()));
        case 'm' -> out.append(String.format("%02d", now.getMonthValue()));
        case 'd' -> out.append(String.format("%02d", now.getDayOfMonth()));
        case 'H' -> out.append(String.format("%02d", now.getHour()));
        case 'M' -> out.append(String.format("%02d", now.getMinute()));
        case 'S' -> out.append(String.format("%02d", now.getSecond()));
        default -> throw new IllegalArgumentException("date format not in the subset: %" + field);
      }
    }
    substitutions.add(out.toString());
    return out + "\n";
  }

  // ---- kubectl apitoken: the plugin itself ----

  private Result plugin(List<String> args) {
    for (String arg : args) {
      if (arg.startsWith("--context") || arg.startsWith("--kubeconfig")) {
        throw new IllegalArgumentException(
            "--context/--kubeconfig: the walkthrough runs against one cluster: " + args);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Env env =
        new Env(
            connection -> client,
            time.clock(),
            new ByteArrayInputStream(new byte[0]),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    int code = Main.run(args.toArray(String[]::new), env);
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  // ---- plain kubectl ----

  private Result patch(List<String> args) {
    Flags flags = new Flags(args, Set.of("namespace", "type", "patch"), Set.of());
    flags.positional(2, "kubectl patch TYPE NAME");
    if (!"merge".equals(flags.value("type"))) {
      // kubectl's default (strategic merge) is refused by the API server for custom resources
      throw new IllegalArgumentException("kubectl patch without --type=merge: " + args);
    }
    Type type = Type.of(flags.positional.get(0));
    String name = flags.positional.get(1);
    String ns = flags.namespace();
    String json = flags.required("patch");
    try {
      if (!Cluster.JSON.readTree(json).isObject()) {
        return error("error: unable to parse \"" + json + "\": not a JSON object");
      }
    } catch (IOException e) {
      return error("error: unable to parse \"" + json + "\": " + e.getMessage());
    }
    if (object(type, ns, name) == null) {
      return notFound(type, name);
    }
    resource(type, ns, name).patch(PatchContext.of(PatchType.JSON_MERGE), json);
    return ok(type.shown + "/" + name + " patched\n");
  }

  private Result annotate(List<String> args) {
    Flags flags = new Flags(args, Set.of("namespace"), Set.of("overwrite"));
    if (flags.positional.size() < 3) {
      throw new IllegalArgumentException("kubectl annotate TYPE NAME KEY=VALUE...: " + args);
    }
    Type type = Type.of(flags.positional.get(0));
    String name = flags.positional.get(1);
    String ns = flags.namespace();
    Map<String, String> wanted = new LinkedHashMap<>();
    for (String pair : flags.positional.subList(2, flags.positional.size())) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(
            "annotation not KEY=VALUE (removal not supported): " + pair);
      }
      wanted.put(pair.substring(0, eq), pair.substring(eq + 1));
    }
    JsonNode current = object(type, ns, name);
    if (current == null) {
      return notFound(type, name);
    }
    if (!flags.bool("overwrite")) {
      JsonNode annotations = current.path("metadata").path("annotations");
      for (String key : wanted.keySet()) {
        if (annotations.has(key)) {
          return error(
              "error: --overwrite is false but found the following declared annotation(s): '"
                  + key
                  + "' already has a value ("
                  + annotations.get(key).asText()
                  + ")");
        }
      }
    }
    resource(type, ns, name)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            Cluster.toJson(Map.of("metadata", Map.of("annotations", wanted))));
    return ok(type.shown + "/" + name + " annotated\n");
  }

  private Result get(List<String> args) {
    Flags flags = new Flags(args, Set.of("namespace", "output"), Set.of());
    flags.positional(2, "kubectl get TYPE NAME");
    String output = flags.required("output");
    if (!output.startsWith("jsonpath=")) {
      throw new IllegalArgumentException("kubectl get other than -o jsonpath=: " + args);
    }
    JsonPathTemplate template = new JsonPathTemplate(output.substring("jsonpath=".length()));
    Type type = Type.of(flags.positional.get(0));
    String name = flags.positional.get(1);
    JsonNode object = object(type, flags.namespace(), name);
    if (object == null) {
      return notFound(type, name);
    }
    return ok(template.print(object));
  }

  private Result waitFor(List<String> args) {
    Flags flags = new Flags(args, Set.of("namespace", "for", "timeout"), Set.of());
    flags.positional(1, "kubectl wait TYPE/NAME");
    String[] typeAndName = flags.positional.get(0).split("/", 2);
    if (typeAndName.length != 2) {
      throw new IllegalArgumentException("kubectl wait takes TYPE/NAME: " + args);
    }
    Type type = Type.of(typeAndName[0]);
    if (type != Type.APITOKEN) {
      throw new IllegalArgumentException("kubectl wait on " + type + ": not in the subset");
    }
    String name = typeAndName[1];
    String ns = flags.namespace();
    Predicate<JsonNode> met = waitCondition(flags.required("for"));
    Duration timeout =
        flags.value("timeout") == null ? DEFAULT_WAIT_TIMEOUT : duration(flags.value("timeout"));
    Duration[] waited = {Duration.ZERO};
    Result[] result = {null};
    await()
        .atMost(REAL_TIME_LIMIT)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              JsonNode object = object(type, ns, name);
              if (object == null) {
                result[0] = notFound(type, name);
              } else if (met.test(object)) {
                result[0] = ok(type.shown + "/" + name + " condition met\n");
              } else if (settled(object)) {
                if (waited[0].compareTo(timeout) >= 0) {
                  result[0] =
                      error(
                          "error: timed out waiting for the condition on "
                              + type.plural
                              + "/"
                              + name);
                } else {
                  time.pass(WAIT_STEP);
                  waited[0] = waited[0].plus(WAIT_STEP);
                }
              }
              return result[0] != null;
            });
    return result[0];
  }

  /** kubectl wait's test: {@code condition=TYPE[=STATUS]} or {@code jsonpath={...}=VALUE}. */
  private static Predicate<JsonNode> waitCondition(String forValue) {
    if (forValue.startsWith("condition=")) {
      String[] parts = forValue.substring("condition=".length()).split("=", 2);
      String conditionType = parts[0];
      String wanted = parts.length == 2 ? parts[1] : "True";
      return object -> conditionMet(object, conditionType, wanted);
    }
    if (forValue.startsWith("jsonpath=")) {
      String expression = forValue.substring("jsonpath=".length());
      int split = expression.lastIndexOf("}=");
      if (split < 0) {
        throw new IllegalArgumentException("--for=jsonpath= without a value: " + forValue);
      }
      JsonPathTemplate template = new JsonPathTemplate(expression.substring(0, split + 1));
      String wanted = expression.substring(split + 2);
      // kubectl compares the selected value only: no observedGeneration check
      return object -> {
        List<JsonNode> values = template.select(object);
        return values.size() == 1 && wanted.equals(JsonPathTemplate.text(values.get(0)));
      };
    }
    throw new IllegalArgumentException("kubectl wait --for not in the subset: " + forValue);
  }

  /**
   * As kubectl does it: the condition of that type (case-insensitive) has the wanted status, and it
   * does not speak for an older generation (its observedGeneration, else status.observedGeneration,
   * below metadata.generation).
   */
  static boolean conditionMet(JsonNode object, String type, String wanted) {
    for (JsonNode condition : object.path("status").path("conditions")) {
      if (!type.equalsIgnoreCase(condition.path("type").asText())) {
        continue;
      }
      JsonNode generation = object.path("metadata").path("generation");
      JsonNode observed =
          condition.has("observedGeneration")
              ? condition.get("observedGeneration")
              : object.path("status").path("observedGeneration");
      if (generation.isNumber() && observed.isNumber() && observed.asLong() < generation.asLong()) {
        return false;
      }
      return wanted.equalsIgnoreCase(condition.path("status").asText());
    }
    return false;
  }

  /**
   * kstatus "Current": status speaks for the current generation and nothing is in progress. Only
   * then does waiting mean that time passes with nothing else to happen first.
   */
  private static boolean settled(JsonNode object) {
    JsonNode generation = object.path("metadata").path("generation");
    JsonNode observed = object.path("status").path("observedGeneration");
    if (!generation.isNumber()
        || !observed.isNumber()
        || observed.asLong() != generation.asLong()) {
      return false;
    }
    for (JsonNode condition : object.path("status").path("conditions")) {
      if ("Reconciling".equals(condition.path("type").asText())
          && "True".equals(condition.path("status").asText())) {
        return false;
      }
    }
    return true;
  }

  static Duration duration(String text) {
    if (!text.matches("([0-9]+(h|m|s))+")) {
      throw new IllegalArgumentException("duration not in the subset: " + text);
    }
    Duration total = Duration.ZERO;
    Matcher m = GO_DURATION.matcher(text);
    while (m.find()) {
      long n = Long.parseLong(m.group(1));
      total =
          total.plus(
              switch (m.group(2)) {
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofSeconds(n);
              });
    }
    return total;
  }

  private io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource> resource(
      Type type, String ns, String name) {
    return client.genericKubernetesResources(type.context).inNamespace(ns).withName(name);
  }

  private JsonNode object(Type type, String ns, String name) {
    GenericKubernetesResource found = resource(type, ns, name).get();
    if (found == null) {
      return null;
    }
    ObjectNode json = Cluster.JSON.valueToTree(found);
    return json;
  }

  private static Result ok(String out) {
    return new Result(0, out, "");
  }

  private static Result error(String message) {
    return new Result(1, "", message + "\n");
  }

  private static Result notFound(Type type, String name) {
    return error("Error from server (NotFound): " + type.plural + " \"" + name + "\" not found");
  }

  /**
   * kubectl's flags for one verb, in the forms kubectl takes ({@code --name=value}, {@code --name
   * value}, {@code -n value}); an unknown or repeated flag is refused.
   */
  private static final class Flags {
    private static final Map<String, String> SHORT =
        Map.of("n", "namespace", "p", "patch", "o", "output");

    final List<String> positional = new ArrayList<>();
    private final Map<String, String> values = new HashMap<>();

    Flags(List<String> args, Set<String> valued, Set<String> booleans) {
      for (int i = 0; i < args.size(); i++) {
        String arg = args.get(i);
        if (!arg.startsWith("-")) {
          positional.add(arg);
          continue;
        }
        String name;
        String value = null;
        if (arg.startsWith("--")) {
          int eq = arg.indexOf('=');
          name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
          value = eq < 0 ? null : arg.substring(eq + 1);
        } else {
          String letter = arg.substring(1, 2);
          name = SHORT.get(letter);
          if (name == null) {
            throw new IllegalArgumentException("flag not in the subset: " + arg);
          }
          if (arg.length() > 2) {
            value = arg.startsWith("=", 2) ? arg.substring(3) : arg.substring(2);
          }
        }
        if (values.containsKey(name)) {
          throw new IllegalArgumentException("flag given twice: " + arg);
        }
        if (valued.contains(name)) {
          if (value == null) {
            if (i + 1 >= args.size()) {
              throw new IllegalArgumentException("flag without a value: " + arg);
            }
            value = args.get(++i);
          }
        } else if (booleans.contains(name)) {
          if (value == null) {
            value = "true";
          } else if (!value.equals("true") && !value.equals("false")) {
            throw new IllegalArgumentException("not a boolean: " + arg);
          }
        } else {
          throw new IllegalArgumentException("flag not in the subset: " + arg);
        }
        values.put(name, value);
      }
    }

    void positional(int count, String usage) {
      if (positional.size() != count) {
        throw new IllegalArgumentException("usage: " + usage + ", not " + positional);
      }
    }

    String value(String name) {
      return values.get(name);
    }

    String required(String name) {
      String value = values.get(name);
      if (value == null) {
        throw new IllegalArgumentException("missing --" + name);
      }
      return value;
    }

    boolean bool(String name) {
      return "true".equals(values.get(name));
    }

    /** -n, else the namespace of a fresh kubeconfig context. */
    String namespace() {
      return values.getOrDefault("namespace", "default");
    }
  }
}
