package dev.apitoken.operator.crd;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the API server answers to a create or update of an ApiToken, as far as the CRD decides:
 * schema first, then CEL rules. As in the apiextensions server, CEL rules are not run when the
 * schema already found a type, required, too-long or too-many error (their inputs could not be
 * trusted); a note says so instead.
 */
final class Admission {
  /** Schema keywords whose failure stops CEL evaluation (apiextensions' hasBlockingErr). */
  private static final Set<String> BLOCKING =
      Set.of("type", "required", "maxLength", "maxItems", "maxProperties", "enum");

  static final String RULES_NOT_CHECKED =
      "some validation rules were not checked because the object was invalid; correct the"
          + " existing errors to complete validation";

  private static Admission checkedIn;

  private final CrdSchema schema;
  private final CelRules rules;

  Admission(CrdSchema schema) {
    this.schema = schema;
    this.rules = CelRules.compile(schema.openApiSchema());
  }

  /** The checked-in CRD, loaded and compiled once per test JVM. */
  static synchronized Admission checkedInCrd() {
    if (checkedIn == null) {
      checkedIn = new Admission(CrdSchema.checkedIn());
    }
    return checkedIn;
  }

  CrdSchema schema() {
    return schema;
  }

  CelRules rules() {
    return rules;
  }

  List<Violation> create(Map<String, ?> object) {
    return review(object, null);
  }

  List<Violation> update(Map<String, ?> oldObject, Map<String, ?> newObject) {
    return review(newObject, oldObject);
  }

  private List<Violation> review(Map<String, ?> object, Map<String, ?> oldObject) {
    List<Violation> violations = new ArrayList<>(schema.validate(object));
    if (violations.stream().anyMatch(v -> BLOCKING.contains(v.keyword()))) {
      violations.add(new Violation("$", RULES_NOT_CHECKED, Violation.Source.CEL, "Invalid"));
      return violations;
    }
    violations.addAll(
        oldObject == null ? rules.validateCreate(object) : rules.validateUpdate(oldObject, object));
    return violations;
  }
}
