package dev.apitoken.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelUnknownSet;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ApiToken health check expressions of {@code examples/flux/kustomization-health.yaml}, run as
 * Flux's kustomize-controller runs {@code spec.healthCheckExprs} ({@code fluxcd/pkg}
 * runtime/cel/StatusEvaluator):
 *
 * <ol>
 *   <li>{@code status.observedGeneration} present and not {@code metadata.generation}: InProgress,
 *       before any expression;
 *   <li>{@code inProgress}, {@code failed}, {@code current} in this order: the first that is true
 *       decides;
 *   <li>none true: InProgress.
 * </ol>
 *
 * Flux parses the expressions without type-checking them (it cannot know a CRD's fields); they see
 * the object's top-level fields ({@code metadata}, {@code status}, ...) as variables. An expression
 * that fails to evaluate (e.g. it reads {@code status} of an object that has none) makes Flux's
 * status reader report Unknown with the error, which a waiting Kustomization treats like
 * InProgress: it keeps waiting.
 */
public final class FluxHealthCheck {
  public static final String UNKNOWN = "Unknown";
  public static final Path EXAMPLE =
      Path.of(System.getProperty("repo.root", ".."))
          .resolve("examples")
          .resolve("flux")
          .resolve("kustomization-health.yaml");

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Cel CEL =
      CelFactory.standardCelBuilder()
          // has(), exists(), filter(): macros, not functions.
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          // dev.cel runs only checked expressions; Flux runs them unchecked. Untyped (dyn)
          // top-level fields check every expression Flux can run on an object, and a field the
          // object lacks stays unbound: reading it is an evaluation error, as in Flux.
          .addVar("apiVersion", SimpleType.DYN)
          .addVar("kind", SimpleType.DYN)
          .addVar("metadata", SimpleType.DYN)
          .addVar("spec", SimpleType.DYN)
          .addVar("status", SimpleType.DYN)
          .build();

  /** One {@code healthCheckExprs} entry; {@code inProgress} and {@code failed} may be empty. */
  public record Expressions(String inProgress, String failed, String current) {
    public Expressions withCurrent(String replacement) {
      return new Expressions(inProgress, failed, replacement);
    }
  }

  private FluxHealthCheck() {}

  /** The entry for apitoken.dev/v1alpha1 ApiToken in the example Kustomization. */
  public static Expressions fromExample() {
    try {
      JsonNode kustomization = new YAMLMapper().readTree(EXAMPLE.toFile());
      for (JsonNode entry : kustomization.path("spec").path("healthCheckExprs")) {
        if (entry.path("apiVersion").asText().equals("apitoken.dev/v1alpha1")
            && entry.path("kind").asText().equals("ApiToken")) {
          return new Expressions(
              entry.path("inProgress").asText(""),
              entry.path("failed").asText(""),
              entry.path("current").asText(""));
        }
      }
      throw new AssertionError("no healthCheckExprs entry for ApiToken in " + EXAMPLE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Flux's kstatus status of {@code resource} with {@code expressions}, as the API server has it.
   */
  public static String evaluate(Expressions expressions, HasMetadata resource) {
    try {
      Map<String, Object> object = toCel(JSON.readValue(Serialization.asJson(resource), Map.class));
      return evaluate(expressions, object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  static String evaluate(Expressions expressions, Map<String, Object> object) {
    Object generation =
        ((Map<String, Object>) object.getOrDefault("metadata", Map.of())).get("generation");
    Object status = object.get("status");
    if (status instanceof Map<?, ?> statusMap
        && statusMap.get("observedGeneration") instanceof Long observed
        && generation instanceof Long
        && !observed.equals(generation)) {
      return Kstatus.IN_PROGRESS;
    }
    List<Map.Entry<String, String>> inOrder =
        List.of(
            Map.entry(expressions.inProgress(), Kstatus.IN_PROGRESS),
            Map.entry(expressions.failed(), Kstatus.FAILED),
            Map.entry(expressions.current(), Kstatus.CURRENT));
    for (Map.Entry<String, String> expression : inOrder) {
      if (expression.getKey().isBlank()) {
        continue;
      }
      Object result;
      try {
        CelRuntime.Program program = CEL.createProgram(CEL.compile(expression.getKey()).getAst());
        result = program.eval(object);
      } catch (CelValidationException e) {
        throw new AssertionError(
            "does not compile: " + expression.getKey() + "\n" + e.getMessage());
      } catch (CelEvaluationException e) {
        return UNKNOWN;
      }
      if (result instanceof CelUnknownSet) {
        // dev.cel's value for an unbound variable; cel-go's is the error "no such attribute".
        return UNKNOWN;
      }
      if (!(result instanceof Boolean)) {
        throw new AssertionError("not a boolean: " + result + " from " + expression.getKey());
      }
      if ((Boolean) result) {
        return expression.getValue();
      }
    }
    return Kstatus.IN_PROGRESS;
  }

  /** JSON values as CEL sees them: integers are int (long), absent and null fields are absent. */
  @SuppressWarnings("unchecked")
  private static <T> T toCel(Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      map.forEach(
          (k, v) -> {
            if (v != null) {
              out.put(String.valueOf(k), toCel(v));
            }
          });
      return (T) out;
    }
    if (value instanceof List<?> list) {
      return (T) list.stream().map(FluxHealthCheck::toCel).toList();
    }
    if (value instanceof Integer || value instanceof Short || value instanceof BigInteger) {
      return (T) Long.valueOf(((Number) value).longValue());
    }
    if (value instanceof Float || value instanceof BigDecimal) {
      return (T) Double.valueOf(((Number) value).doubleValue());
    }
    return (T) value;
  }
}
