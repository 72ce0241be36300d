package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.api.ApiTokenSpec;
import dev.apitoken.operator.config.OperatorConfig;
import dev.apitoken.operator.token.DesiredToken;
import dev.apitoken.operator.token.Durations;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Turns a spec into the token it asks for, or says exactly what to fix. The CRD schema refuses most
 * of this at admission; these checks cover what the schema cannot know (the operator's maximum TTL)
 * and clients that bypass admission validation.
 */
public final class SpecResolver {
  static final Duration MINIMUM_TTL = Duration.ofMinutes(1);
  private static final Pattern SCOPE = Pattern.compile(ApiTokenSpec.SCOPE_PATTERN);
  private static final Pattern TRIMMED = Pattern.compile(ApiTokenSpec.TRIMMED_PATTERN);
  private static final Pattern SECRET_NAME = Pattern.compile(ApiTokenSpec.SECRET_NAME_PATTERN);

  private final OperatorConfig config;

  public SpecResolver(OperatorConfig config) {
    this.config = config;
  }

  /** Either the token to issue or the problem, never both. */
  public record Resolution(DesiredToken desired, String problem) {
    public boolean valid() {
      return problem == null;
    }
  }

  public Resolution resolve(ApiTokenSpec spec) {
    if (spec == null || spec.getSubject() == null || spec.getSubject().isEmpty()) {
      return invalid(
          "spec.subject is required: set it to who the token identifies, e.g. payments-api");
    }
    if (!TRIMMED.matcher(spec.getSubject()).matches() || spec.getSubject().length() > 256) {
      return invalid("spec.subject must be 1-256 characters without leading or trailing spaces");
    }
    for (String audience : spec.getAudiences()) {
      if (audience == null || !TRIMMED.matcher(audience).matches()) {
        return invalid(
            "spec.audiences entries must be non-empty without leading or trailing spaces");
      }
    }
    for (String scope : spec.getScopes()) {
      if (scope == null || !SCOPE.matcher(scope).matches()) {
        return invalid(
            "spec.scopes entry \""
                + scope
                + "\" is not a single OAuth scope: use one entry per scope, without spaces or"
                + " quotes, e.g. orders:read");
      }
    }
    if (spec.getSecretName() != null && !SECRET_NAME.matcher(spec.getSecretName()).matches()) {
      return invalid(
          "spec.secretName \""
              + spec.getSecretName()
              + "\" is not a valid Secret name: use lowercase letters, digits, '-' and '.'");
    }
    if (spec.getRevokeAt() != null && revokeAt(spec).isEmpty()) {
      return invalid(
          "spec.revokeAt \""
              + spec.getRevokeAt()
              + "\" is not an RFC 3339 time: use e.g. 2026-03-01T00:00:00Z");
    }
    Duration ttl;
    try {
      ttl = spec.getTtl() == null ? config.defaultTtl() : parse(spec.getTtl());
    } catch (IllegalArgumentException e) {
      return invalid("spec.ttl " + e.getMessage());
    }
    if (ttl.compareTo(config.maxTtl()) > 0) {
      return invalid(
          "spec.ttl "
              + spec.getTtl()
              + " exceeds the operator's maximum of "
              + Durations.format(config.maxTtl())
              + ": lower spec.ttl");
    }
    if (ttl.compareTo(MINIMUM_TTL) < 0) {
      return invalid("spec.ttl " + spec.getTtl() + " is too short: use at least 1m");
    }
    Duration renewBefore;
    try {
      renewBefore = spec.getRenewBefore() == null ? ttl.dividedBy(3) : parse(spec.getRenewBefore());
    } catch (IllegalArgumentException e) {
      return invalid("spec.renewBefore " + e.getMessage());
    }
    if (renewBefore.compareTo(ttl) >= 0) {
      return invalid(
          "spec.renewBefore "
              + spec.getRenewBefore()
              + " must be shorter than the ttl ("
              + Durations.format(ttl)
              + ")");
    }
    return new Resolution(
        new DesiredToken(
            config.issuer(),
            spec.getSubject(),
            List.copyOf(spec.getAudiences()),
            List.copyOf(spec.getScopes()),
            ttl,
            renewBefore),
        null);
  }

  /**
   * spec.revokeAt as an instant; empty when absent or unreadable (then {@link #resolve} says so).
   */
  public static Optional<Instant> revokeAt(ApiTokenSpec spec) {
    if (spec.getRevokeAt() == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(OffsetDateTime.parse(spec.getRevokeAt()).toInstant());
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  private static Duration parse(String text) {
    if (!text.matches(ApiTokenSpec.DURATION_PATTERN)) {
      throw new IllegalArgumentException(
          "\"" + text + "\" is not a duration: use hours, minutes and seconds, e.g. 720h or 1h30m");
    }
    return Durations.parse(text);
  }

  private static Resolution invalid(String problem) {
    return new Resolution(null, problem);
  }
}
