package dev.apitoken.operator.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableSet;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.navigation.CelNavigableAst;
import dev.cel.common.types.CelType;
import dev.cel.common.types.CelTypeProvider;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.types.StructType;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every {@code x-kubernetes-validations} rule of a CRD schema, compiled with dev.cel and evaluated
 * the way the API server does:
 *
 * <ul>
 *   <li>a rule is compiled against the schema's types ({@code self} is the object the rule is
 *       attached to, typed from its schema), so a misspelt field is a compile error as in
 *       Kubernetes, not a silent false;
 *   <li>a rule runs once per value at its path ({@code self} = that value) and not at all when the
 *       value is absent;
 *   <li>a transition rule (one that mentions {@code oldSelf}) runs only on update, and only where
 *       the old object has a value at the same path. Old values are matched through object fields
 *       and map keys; list items have no {@code oldSelf} (atomic lists in Kubernetes).
 * </ul>
 *
 * <p>Kubernetes' CEL environment is standard CEL plus extension libraries; the strings and optional
 * extensions are loaded here. Kubernetes-only functions ({@code isSorted}, {@code url}, {@code
 * quantity}, {@code ip}, {@code cidr}, {@code format}, ...) are not in dev.cel: a rule using them
 * fails to compile here and this class needs a stub for it.
 */
final class CelRules {
  private static final Set<String> KUBERNETES_ONLY_FUNCTIONS =
      Set.of(
          "isSorted",
          "sum",
          "min",
          "max",
          "indexOf",
          "lastIndexOf",
          "url",
          "isURL",
          "quantity",
          "isQuantity",
          "ip",
          "isIP",
          "cidr",
          "isCIDR",
          "semver",
          "isSemver",
          "format");

  /** A rule as written in the CRD, with the schema path it is attached to ({@code $.spec}). */
  record Rule(
      String schemaPath,
      String expression,
      String message,
      String reason,
      boolean transition,
      CelRuntime.Program program) {}

  private final Map<String, List<Rule>> rulesBySchemaPath;
  private final JsonNode schema;

  private CelRules(JsonNode schema, Map<String, List<Rule>> rulesBySchemaPath) {
    this.schema = schema;
    this.rulesBySchemaPath = rulesBySchemaPath;
  }

  /**
   * Compiles every rule in {@code openApiSchema}; throws an {@link AssertionError} naming each rule
   * that does not compile, with its path and the CEL error.
   */
  static CelRules compile(JsonNode openApiSchema) {
    Map<String, List<Rule>> rules = new LinkedHashMap<>();
    List<String> failures = new ArrayList<>();
    collect(openApiSchema, "$", rules, failures);
    if (!failures.isEmpty()) {
      throw new AssertionError(
          failures.size()
              + " CEL rule(s) in the CRD do not compile:\n"
              + String.join("\n", failures));
    }
    return new CelRules(openApiSchema, rules);
  }

  /** Every rule, in schema order. */
  List<Rule> rules() {
    return rulesBySchemaPath.values().stream().flatMap(List::stream).toList();
  }

  /** The rules that fail for a new object; transition rules are skipped, as on create. */
  List<Violation> validateCreate(Map<String, ?> object) {
    List<Violation> out = new ArrayList<>();
    walk(schema, "$", "$", toCel(object), null, out);
    return out;
  }

  /** The rules that fail when {@code oldObject} is replaced by {@code newObject}. */
  List<Violation> validateUpdate(Map<String, ?> oldObject, Map<String, ?> newObject) {
    List<Violation> out = new ArrayList<>();
    walk(schema, "$", "$", toCel(newObject), toCel(oldObject), out);
    return out;
  }

  private static void collect(
      JsonNode schema, String schemaPath, Map<String, List<Rule>> rules, List<String> failures) {
    JsonNode validations = schema.path("x-kubernetes-validations");
    if (!validations.isEmpty()) {
      Cel cel = celFor(schema, schemaPath);
      for (JsonNode validation : validations) {
        for (String unsupported : List.of("messageExpression", "optionalOldSelf", "fieldPath")) {
          if (validation.has(unsupported)) {
            failures.add(schemaPath + ": " + unsupported + " is not supported by CelRules yet");
          }
        }
        String expression = validation.path("rule").asText();
        CelValidationResult result = cel.compile(expression);
        if (result.hasError()) {
          failures.add(describeFailure(schemaPath, expression, result.getErrorString()));
          continue;
        }
        try {
          CelAbstractSyntaxTree ast = result.getAst();
          if (!ast.getResultType().equals(SimpleType.BOOL)) {
            failures.add(
                schemaPath
                    + ": rule must evaluate to bool, not "
                    + ast.getResultType()
                    + ": "
                    + expression);
            continue;
          }
          rules
              .computeIfAbsent(schemaPath, p -> new ArrayList<>())
              .add(
                  new Rule(
                      schemaPath,
                      expression,
                      validation.path("message").asText("failed rule: " + expression),
                      validation.path("reason").asText("FieldValueInvalid"),
                      mentionsOldSelf(ast),
                      cel.createProgram(ast)));
        } catch (CelValidationException | CelEvaluationException e) {
          failures.add(describeFailure(schemaPath, expression, e.getMessage()));
        }
      }
    }
    schema
        .path("properties")
        .fields()
        .forEachRemaining(
            p -> collect(p.getValue(), schemaPath + "." + p.getKey(), rules, failures));
    if (schema.path("items").isObject()) {
      collect(schema.get("items"), schemaPath + "[*]", rules, failures);
    }
    if (schema.path("additionalProperties").isObject()) {
      collect(schema.get("additionalProperties"), schemaPath + ".*", rules, failures);
    }
  }

  private static String describeFailure(String schemaPath, String expression, String error) {
    String hint =
        KUBERNETES_ONLY_FUNCTIONS.stream()
            .filter(f -> expression.contains(f + "("))
            .findFirst()
            .map(f -> "\n  (" + f + "() is a Kubernetes CEL library function that dev.cel lacks)")
            .orElse("");
    return schemaPath + ": rule does not compile: " + expression + "\n  " + error + hint;
  }

  private static boolean mentionsOldSelf(CelAbstractSyntaxTree ast) {
    return CelNavigableAst.fromAst(ast)
        .getRoot()
        .allNodes()
        .anyMatch(
            n ->
                n.expr().getKind() == CelExpr.ExprKind.Kind.IDENT
                    && n.expr().ident().name().equals("oldSelf"));
  }

  /** A CEL environment where {@code self} and {@code oldSelf} have the type of {@code schema}. */
  private static Cel celFor(JsonNode schema, String schemaPath) {
    Map<String, CelType> structs = new HashMap<>();
    CelType selfType = celType(schema, "object" + schemaPath.substring(1), structs);
    return CelFactory.standardCelBuilder()
        // has(), all(), exists(), exists_one(), map(), filter(): macros, not functions.
        .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
        .setTypeProvider(new StructTypes(structs))
        .addCompilerLibraries(CelExtensions.strings(), CelExtensions.optional())
        .addRuntimeLibraries(CelExtensions.strings(), CelExtensions.optional())
        .addVar("self", selfType)
        .addVar("oldSelf", selfType)
        .setResultType(SimpleType.BOOL)
        .build();
  }

  /** The CEL type Kubernetes gives a value with this schema. */
  private static CelType celType(JsonNode schema, String name, Map<String, CelType> structs) {
    if (schema.path("x-kubernetes-int-or-string").asBoolean(false)
        || (schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)
            && !schema.has("properties"))) {
      return SimpleType.DYN;
    }
    String format = schema.path("format").asText("");
    switch (schema.path("type").asText("")) {
      case "object":
        if (schema.has("properties")) {
          Map<String, CelType> fields = new LinkedHashMap<>();
          schema
              .get("properties")
              .fields()
              .forEachRemaining(
                  p ->
                      fields.put(
                          p.getKey(), celType(p.getValue(), name + "." + p.getKey(), structs)));
          StructType struct =
              StructType.create(
                  name,
                  ImmutableSet.copyOf(fields.keySet()),
                  f -> Optional.ofNullable(fields.get(f)));
          structs.put(name, struct);
          return struct;
        }
        if (schema.path("additionalProperties").isObject()) {
          return MapType.create(
              SimpleType.STRING, celType(schema.get("additionalProperties"), name + ".@", structs));
        }
        return MapType.create(SimpleType.STRING, SimpleType.DYN);
      case "array":
        return ListType.create(
            schema.path("items").isObject()
                ? celType(schema.get("items"), name + ".@items", structs)
                : SimpleType.DYN);
      case "string":
        if (Set.of("byte", "duration", "date", "date-time").contains(format)) {
          // Kubernetes types these as bytes/duration/timestamp; values would need converting too.
          throw new IllegalStateException(
              name + ": string format '" + format + "' is not supported by CelRules yet");
        }
        return SimpleType.STRING;
      case "integer":
        return SimpleType.INT;
      case "number":
        return SimpleType.DOUBLE;
      case "boolean":
        return SimpleType.BOOL;
      default:
        return SimpleType.DYN;
    }
  }

  private void walk(
      JsonNode schema,
      String schemaPath,
      String path,
      Object self,
      Object oldSelf,
      List<Violation> out) {
    for (Rule rule : rulesBySchemaPath.getOrDefault(schemaPath, List.of())) {
      if (rule.transition() && oldSelf == null) {
        continue;
      }
      Map<String, Object> vars = new HashMap<>();
      vars.put("self", self);
      if (oldSelf != null) {
        vars.put("oldSelf", oldSelf);
      }
      try {
        if (!Boolean.TRUE.equals(rule.program().eval(vars))) {
          out.add(new Violation(path, rule.message(), Violation.Source.CEL, rule.reason()));
        }
      } catch (CelEvaluationException e) {
        out.add(
            new Violation(
                path,
                "rule evaluation error: " + rule.expression() + ": " + e.getMessage(),
                Violation.Source.CEL,
                "InternalError"));
      }
    }
    if (self instanceof Map<?, ?> map) {
      Map<?, ?> oldMap = oldSelf instanceof Map<?, ?> m ? m : Map.of();
      JsonNode additional = schema.path("additionalProperties");
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        String key = String.valueOf(entry.getKey());
        JsonNode declared = schema.path("properties").path(key);
        if (!declared.isMissingNode()) {
          walk(
              declared,
              schemaPath + "." + key,
              path + "." + key,
              entry.getValue(),
              oldMap.get(key),
              out);
        } else if (additional.isObject()) {
          walk(
              additional,
              schemaPath + ".*",
              path + "." + key,
              entry.getValue(),
              oldMap.get(key),
              out);
        }
      }
    } else if (self instanceof List<?> list && schema.path("items").isObject()) {
      for (int i = 0; i < list.size(); i++) {
        walk(schema.get("items"), schemaPath + "[*]", path + "[" + i + "]", list.get(i), null, out);
      }
    }
  }

  /** Parsed YAML to CEL runtime values: CEL ints are longs, doubles are doubles; nulls dropped. */
  private static Object toCel(Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      map.forEach(
          (k, v) -> {
            if (v != null) {
              out.put(String.valueOf(k), toCel(v));
            }
          });
      return out;
    }
    if (value instanceof List<?> list) {
      return list.stream().map(CelRules::toCel).toList();
    }
    if (value instanceof Integer || value instanceof Short || value instanceof BigInteger) {
      return ((Number) value).longValue();
    }
    if (value instanceof Float || value instanceof BigDecimal) {
      return ((Number) value).doubleValue();
    }
    return value;
  }

  private record StructTypes(Map<String, CelType> byName) implements CelTypeProvider {
    @Override
    public com.google.common.collect.ImmutableCollection<CelType> types() {
      return com.google.common.collect.ImmutableList.copyOf(byName.values());
    }

    @Override
    public Optional<CelType> findType(String typeName) {
      return Optional.ofNullable(byName.get(typeName));
    }
  }
}
