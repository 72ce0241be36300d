package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.ApiTokenSpec;
import dev.apitoken.operator.api.SecretTemplate;
import dev.apitoken.operator.config.OperatorConfig;
import dev.apitoken.operator.token.DesiredToken;
import dev.apitoken.operator.token.Durations;
import dev.apitoken.operator.token.ReissuePolicy;
import dev.apitoken.operator.token.TokenSize;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Turns a spec into the token it asks for, or says exactly what to fix. The CRD schema refuses most
 * of this at admission; these checks cover what the schema cannot know (the operator's maximum TTL,
 * the token's size with this operator's issuer) and clients that bypass admission validation.
 *
 * <p>Every value may be hostile: each string's length is checked before any regular expression sees
 * it (Java's regex engine recurses per repetition of a group, so an unbounded input can overflow
 * the stack), durations are read by a scanner, and a value is quoted in a message only shortened
 * and with control characters escaped.
 */
public final class SpecResolver {
  static final Duration MINIMUM_TTL = ReissuePolicy.MINIMUM_RENEWAL_INTERVAL;

  /**
   * Kubernetes refuses an object whose annotations exceed 256 KiB in all; half of it is left for
   * the operator's own annotations and those other tools add.
   */
  static final int MAX_TEMPLATE_ANNOTATION_BYTES = 128 * 1024;

  private static final int MAX_QUOTED_LENGTH = 40;
  private static final String SECRET_NAME_SUFFIX = "-token";
  private static final Pattern SCOPE = Pattern.compile(ApiTokenSpec.SCOPE_PATTERN);
  private static final Pattern AUDIENCE = Pattern.compile(ApiTokenSpec.AUDIENCE_PATTERN);
  private static final Pattern TRIMMED = Pattern.compile(ApiTokenSpec.TRIMMED_PATTERN);
  private static final Pattern SECRET_NAME = Pattern.compile(ApiTokenSpec.SECRET_NAME_PATTERN);
  private static final Pattern RFC3339 = Pattern.compile(ApiTokenSpec.RFC3339_PATTERN);
  private static final Pattern LABEL_VALUE = Pattern.compile(SecretTemplate.LABEL_VALUE_PATTERN);
  private static final Pattern QUALIFIED_NAME =
      Pattern.compile("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$");
  private static final int MAX_QUALIFIED_NAME_LENGTH = 63;

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

  /** {@link #resolve(ApiTokenSpec)}, plus what depends on the ApiToken's name. */
  public Resolution resolve(ApiToken apiToken) {
    Resolution resolution = resolve(apiToken.getSpec());
    if (!resolution.valid()) {
      return resolution;
    }
    String name = apiToken.getMetadata().getName();
    if (apiToken.getSpec().getSecretName() == null
        && name.length() + SECRET_NAME_SUFFIX.length() > ApiTokenSpec.MAX_SECRET_NAME_LENGTH) {
      return invalid(
          "the default Secret name (the ApiToken's name followed by "
              + SECRET_NAME_SUFFIX
              + ") would be "
              + (name.length() + SECRET_NAME_SUFFIX.length())
              + " characters, over Kubernetes' limit of "
              + ApiTokenSpec.MAX_SECRET_NAME_LENGTH
              + ": set spec.secretName");
    }
    return resolution;
  }

  public Resolution resolve(ApiTokenSpec spec) {
    if (spec == null || spec.getSubject() == null || spec.getSubject().isEmpty()) {
      return invalid(
          "spec.subject is required: set it to who the token identifies, e.g. payments-api");
    }
    String problem = firstProblem(spec);
    if (problem != null) {
      return invalid(problem);
    }
    Duration ttl;
    try {
      ttl = spec.getTtl() == null ? config.defaultTtl() : duration("spec.ttl", spec.getTtl());
    } catch (IllegalArgumentException e) {
      return invalid(e.getMessage());
    }
    String ttlText = spec.getTtl() == null ? "(the operator's default)" : spec.getTtl();
    if (ttl.compareTo(config.maxTtl()) > 0) {
      return invalid(
          "spec.ttl "
              + ttlText
              + " exceeds the operator's maximum of "
              + Durations.format(config.maxTtl())
              + ": lower spec.ttl");
    }
    if (ttl.compareTo(MINIMUM_TTL) < 0) {
      return invalid(
          "spec.ttl "
              + ttlText
              + " is too short: use at least "
              + Durations.format(MINIMUM_TTL)
              + ", as tokens are renewed at most every "
              + Durations.format(ReissuePolicy.MINIMUM_RENEWAL_INTERVAL));
    }
    Duration renewBefore;
    try {
      renewBefore =
          spec.getRenewBefore() == null
              ? ReissuePolicy.defaultRenewBefore(ttl)
              : duration("spec.renewBefore", spec.getRenewBefore());
    } catch (IllegalArgumentException e) {
      return invalid(e.getMessage());
    }
    if (renewBefore.compareTo(ttl) >= 0) {
      return invalid(
          "spec.renewBefore "
              + spec.getRenewBefore()
              + " must be shorter than the ttl ("
              + Durations.format(ttl)
              + ")");
    }
    if (ttl.minus(renewBefore).compareTo(ReissuePolicy.MINIMUM_RENEWAL_INTERVAL) < 0) {
      return invalid(
          "spec.renewBefore "
              + spec.getRenewBefore()
              + " would renew the token every "
              + Durations.format(ttl.minus(renewBefore))
              + ": renewals must be at least "
              + Durations.format(ReissuePolicy.MINIMUM_RENEWAL_INTERVAL)
              + " apart, so with a ttl of "
              + Durations.format(ttl)
              + " set spec.renewBefore to at most "
              + Durations.format(ttl.minus(ReissuePolicy.MINIMUM_RENEWAL_INTERVAL)));
    }
    DesiredToken desired =
        new DesiredToken(
            config.issuer(),
            spec.getSubject(),
            List.copyOf(spec.getAudiences()),
            List.copyOf(spec.getScopes()),
            ttl,
            renewBefore);
    int largest = TokenSize.largestLength(desired, config.statusListUri());
    if (largest > TokenSize.MAX_TOKEN_LENGTH) {
      return invalid(
          "the token would be up to "
              + largest
              + " characters, over the "
              + TokenSize.MAX_TOKEN_LENGTH
              + " that verifiers accept by default: use fewer or shorter spec.audiences,"
              + " spec.scopes or a shorter spec.subject");
    }
    return new Resolution(desired, null);
  }

  /**
   * spec.revokeAt as an instant; empty when absent or unreadable (then {@link #resolve} says so).
   */
  public static Optional<Instant> revokeAt(ApiTokenSpec spec) {
    return instant(spec.getRevokeAt());
  }

  /** An RFC 3339 time as an instant; empty when absent or unreadable. */
  public static Optional<Instant> instant(String text) {
    if (text == null
        || text.length() > ApiTokenSpec.MAX_REVOKE_AT_LENGTH
        || !RFC3339.matcher(text).matches()) {
      return Optional.empty();
    }
    try {
      return Optional.of(OffsetDateTime.parse(text).toInstant());
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /** The first field that is malformed, in the order a reader meets them; null when none is. */
  private static String firstProblem(ApiTokenSpec spec) {
    String subject = spec.getSubject();
    if (codePoints(subject) > ApiTokenSpec.MAX_SUBJECT_LENGTH
        || !TRIMMED.matcher(subject).matches()) {
      return "spec.subject "
          + quote(subject)
          + " is not allowed: use 1-"
          + ApiTokenSpec.MAX_SUBJECT_LENGTH
          + " characters without leading or trailing spaces, control or invisible formatting characters";
    }
    String audiences =
        listProblem(
            "spec.audiences",
            spec.getAudiences(),
            ApiTokenSpec.MAX_AUDIENCES,
            ApiTokenSpec.MAX_AUDIENCE_LENGTH,
            AUDIENCE,
            "a valid audience: use 1-"
                + ApiTokenSpec.MAX_AUDIENCE_LENGTH
                + " printable ASCII characters without spaces, quotes or backslashes, e.g."
                + " https://orders.example.com");
    if (audiences != null) {
      return audiences;
    }
    String scopes =
        listProblem(
            "spec.scopes",
            spec.getScopes(),
            ApiTokenSpec.MAX_SCOPES,
            ApiTokenSpec.MAX_SCOPE_LENGTH,
            SCOPE,
            "a single OAuth scope: use one scope of 1-"
                + ApiTokenSpec.MAX_SCOPE_LENGTH
                + " characters per entry, without spaces or quotes, e.g. orders:read");
    if (scopes != null) {
      return scopes;
    }
    String secretName = spec.getSecretName();
    if (secretName != null
        && (secretName.length() > ApiTokenSpec.MAX_SECRET_NAME_LENGTH
            || !SECRET_NAME.matcher(secretName).matches())) {
      return "spec.secretName "
          + quote(secretName)
          + " is not a valid Secret name: use at most "
          + ApiTokenSpec.MAX_SECRET_NAME_LENGTH
          + " lowercase letters, digits, '-' and '.'";
    }
    if (spec.getRevokeAt() != null && revokeAt(spec).isEmpty()) {
      return "spec.revokeAt "
          + quote(spec.getRevokeAt())
          + " is not an RFC 3339 time: use e.g. 2026-03-01T00:00:00Z";
    }
    if (spec.getRevokeIssuedBefore() != null && instant(spec.getRevokeIssuedBefore()).isEmpty()) {
      return "spec.revokeIssuedBefore "
          + quote(spec.getRevokeIssuedBefore())
          + " is not an RFC 3339 time: use e.g. 2026-03-01T00:00:00Z";
    }
    String grace =
        durationProblem(
            "spec.revokeIssuedBeforeGracePeriod", spec.getRevokeIssuedBeforeGracePeriod());
    if (grace == null && spec.getRotation() != null) {
      grace =
          durationProblem(
              "spec.rotation.previousTokenGracePeriod",
              spec.getRotation().getPreviousTokenGracePeriod());
    }
    if (grace != null) {
      return grace;
    }
    if (spec.getRevocationReason() != null
        && codePoints(spec.getRevocationReason()) > ApiTokenSpec.MAX_REVOCATION_REASON_LENGTH) {
      return "spec.revocationReason is "
          + codePoints(spec.getRevocationReason())
          + " characters long: use at most "
          + ApiTokenSpec.MAX_REVOCATION_REASON_LENGTH;
    }
    return spec.getSecretTemplate() == null ? null : templateProblem(spec.getSecretTemplate());
  }

  private static String listProblem(
      String field,
      List<String> entries,
      int maxEntries,
      int maxLength,
      Pattern pattern,
      String notWhatAndAdvice) {
    if (entries.size() > maxEntries) {
      return field + " has " + entries.size() + " entries: use at most " + maxEntries;
    }
    for (int i = 0; i < entries.size(); i++) {
      String entry = entries.get(i);
      if (entry == null
          || entry.isEmpty()
          || entry.length() > maxLength
          || !pattern.matcher(entry).matches()) {
        return field + "[" + i + "] " + quote(entry) + " is not " + notWhatAndAdvice;
      }
    }
    return null;
  }

  private static String templateProblem(SecretTemplate template) {
    Map<String, String> labels = template.getLabels();
    if (labels.size() > SecretTemplate.MAX_LABELS) {
      return "spec.secretTemplate.labels has "
          + labels.size()
          + " entries: use at most "
          + SecretTemplate.MAX_LABELS;
    }
    for (Map.Entry<String, String> label : labels.entrySet()) {
      if (!qualifiedName(label.getKey())) {
        return "spec.secretTemplate.labels key "
            + quote(label.getKey())
            + " is not a valid label key: use an optional DNS prefix and '/', then up to 63"
            + " letters, digits, '-', '_' or '.', e.g. example.com/team";
      }
      String value = label.getValue();
      if (value == null
          || value.length() > SecretTemplate.MAX_LABEL_VALUE_LENGTH
          || !LABEL_VALUE.matcher(value).matches()) {
        return "spec.secretTemplate.labels value "
            + quote(value)
            + " (key "
            + quote(label.getKey())
            + ") is not a valid label value: use up to 63 letters, digits, '-', '_' or '.'";
      }
    }
    Map<String, String> annotations = template.getAnnotations();
    if (annotations.size() > SecretTemplate.MAX_ANNOTATIONS) {
      return "spec.secretTemplate.annotations has "
          + annotations.size()
          + " entries: use at most "
          + SecretTemplate.MAX_ANNOTATIONS;
    }
    long bytes = 0;
    for (Map.Entry<String, String> annotation : annotations.entrySet()) {
      if (!qualifiedName(annotation.getKey())) {
        return "spec.secretTemplate.annotations key "
            + quote(annotation.getKey())
            + " is not a valid annotation key: use an optional DNS prefix and '/', then up to"
            + " 63 letters, digits, '-', '_' or '.', e.g. example.com/owner";
      }
      String value = annotation.getValue() == null ? "" : annotation.getValue();
      if (codePoints(value) > SecretTemplate.MAX_ANNOTATION_VALUE_LENGTH) {
        return "spec.secretTemplate.annotations value of "
            + quote(annotation.getKey())
            + " is "
            + codePoints(value)
            + " characters long: use at most "
            + SecretTemplate.MAX_ANNOTATION_VALUE_LENGTH;
      }
      bytes += annotation.getKey().length() + (long) value.getBytes(StandardCharsets.UTF_8).length;
    }
    if (bytes > MAX_TEMPLATE_ANNOTATION_BYTES) {
      return "spec.secretTemplate.annotations take "
          + bytes
          + " bytes: use at most "
          + MAX_TEMPLATE_ANNOTATION_BYTES;
    }
    return null;
  }

  /** A label or annotation key: {@code [prefix/]name}, the prefix a DNS subdomain. */
  private static boolean qualifiedName(String key) {
    if (key == null
        || key.isEmpty()
        || key.length() > ApiTokenSpec.MAX_SECRET_NAME_LENGTH + 1 + MAX_QUALIFIED_NAME_LENGTH) {
      return false;
    }
    int slash = key.indexOf('/');
    String name = slash < 0 ? key : key.substring(slash + 1);
    if (slash >= 0) {
      String prefix = key.substring(0, slash);
      if (prefix.isEmpty()
          || prefix.length() > ApiTokenSpec.MAX_SECRET_NAME_LENGTH
          || !SECRET_NAME.matcher(prefix).matches()) {
        return false;
      }
    }
    return !name.isEmpty()
        && name.length() <= MAX_QUALIFIED_NAME_LENGTH
        && QUALIFIED_NAME.matcher(name).matches();
  }

  /**
   * A duration in the CRD's syntax (hours, minutes, seconds), read without a regular expression.
   */
  private static Duration duration(String field, String text) {
    boolean onlyDurationCharacters =
        !text.isEmpty()
            && text.length() <= ApiTokenSpec.MAX_DURATION_LENGTH
            && text.chars()
                .allMatch(c -> (c >= '0' && c <= '9') || c == 'h' || c == 'm' || c == 's');
    if (onlyDurationCharacters) {
      try {
        return Durations.parse(text);
      } catch (IllegalArgumentException notADuration) {
        // Same message as for any other malformed value below.
      }
    }
    throw new IllegalArgumentException(
        field
            + " "
            + quote(text)
            + " is not a duration: use up to "
            + ApiTokenSpec.MAX_DURATION_LENGTH
            + " characters of hours, minutes and seconds, e.g. 720h or 1h30m"
            + Durations.daysHint(text));
  }

  private static String durationProblem(String field, String text) {
    if (text == null) {
      return null;
    }
    try {
      duration(field, text);
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  private static int codePoints(String text) {
    return text.codePointCount(0, text.length());
  }

  /**
   * A user's value as it may appear in status and events: in quotes, at most 40 characters, with
   * control and other invisible characters escaped, and its full length when shortened.
   */
  static String quote(String value) {
    if (value == null) {
      return "null";
    }
    StringBuilder shown = new StringBuilder("\"");
    int shownCodePoints = 0;
    for (int i = 0; i < value.length() && shownCodePoints < MAX_QUOTED_LENGTH; ) {
      int codePoint = value.codePointAt(i);
      i += Character.charCount(codePoint);
      shownCodePoints++;
      int type = Character.getType(codePoint);
      boolean invisible =
          Character.isISOControl(codePoint)
              || type == Character.FORMAT
              || type == Character.LINE_SEPARATOR
              || type == Character.PARAGRAPH_SEPARATOR
              || type == Character.SURROGATE
              || type == Character.UNASSIGNED
              || type == Character.PRIVATE_USE;
      if (invisible || codePoint == '"' || codePoint == '\\') {
        shown.append(String.format("\\u%04X", codePoint));
      } else {
        shown.appendCodePoint(codePoint);
      }
    }
    shown.append('"');
    int total = codePoints(value);
    if (total > shownCodePoints) {
      shown.append("... (").append(total).append(" characters)");
    }
    return shown.toString();
  }

  private static Resolution invalid(String problem) {
    return new Resolution(null, problem);
  }
}
