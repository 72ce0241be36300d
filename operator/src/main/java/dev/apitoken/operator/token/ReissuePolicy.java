package dev.apitoken.operator.token;

import dev.apitoken.format.TokenClaims;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * Decides whether a token must be (re)issued, in the style of cert-manager's issuing policies:
 * checks run in a fixed order and the first that fires gives the reason, so the reason a user sees
 * is the most fundamental one.
 */
public final class ReissuePolicy {

  /**
   * Renewals of one ApiToken's token are at least this far apart ({@code ttl - renewBefore}). Each
   * issue spends a status-list index, a signature and a Secret write, and a workload sees a new
   * Secret only after the kubelet's refresh (60-90 s): renewing faster than a few refresh periods
   * issues tokens that no workload ever reads. Five minutes is about three refresh periods, and
   * caps an ApiToken at 288 tokens a day.
   */
  public static final Duration MINIMUM_RENEWAL_INTERVAL = Duration.ofMinutes(5);

  private ReissuePolicy() {}

  /**
   * renewBefore when the spec leaves it out: a third of the ttl, in whole seconds, but never so
   * much that renewals come more often than {@link #MINIMUM_RENEWAL_INTERVAL}; zero for a ttl of
   * exactly that interval.
   *
   * @param ttl at least {@link #MINIMUM_RENEWAL_INTERVAL}
   */
  public static Duration defaultRenewBefore(Duration ttl) {
    Duration third = Duration.ofSeconds(ttl.toSeconds() / 3);
    Duration mostThatKeepsTheInterval = ttl.minus(MINIMUM_RENEWAL_INTERVAL);
    Duration chosen =
        third.compareTo(mostThatKeepsTheInterval) <= 0 ? third : mostThatKeepsTheInterval;
    return chosen.isNegative() ? Duration.ZERO : chosen;
  }

  /**
   * @param lastIssued what status says was issued last, {@code null} when nothing was
   * @param observed what the Secret holds now
   */
  public static IssueDecision evaluate(
      DesiredToken desired, LastIssued lastIssued, ObservedToken observed, Instant now) {
    return evaluate(desired, lastIssued, observed, Optional.empty(), now);
  }

  /**
   * Like {@link #evaluate(DesiredToken, LastIssued, ObservedToken, Instant)}, and a token issued
   * before {@code request}'s time is replaced, with the request's reason, when nothing more
   * fundamental already replaces it.
   */
  public static IssueDecision evaluate(
      DesiredToken desired,
      LastIssued lastIssued,
      ObservedToken observed,
      Optional<ReissueRequest> request,
      Instant now) {
    if (lastIssued == null) {
      return new IssueDecision(IssueReason.FIRST_ISSUE, "no token has been issued yet");
    }
    if (!observed.secretExists()) {
      return new IssueDecision(IssueReason.SECRET_MISSING, "the token Secret does not exist");
    }
    if (observed.tokenValueHash() == null) {
      return new IssueDecision(IssueReason.SECRET_MISSING, "the token Secret holds no token");
    }
    if (!sameHash(observed.tokenValueHash(), lastIssued.tokenHash())) {
      return new IssueDecision(
          IssueReason.TOKEN_TAMPERED,
          "the token Secret holds a token other than the one last issued (jti "
              + lastIssued.jti()
              + ")");
    }
    if (observed.verifiedClaims().isEmpty() && observed.goneKid().isPresent()) {
      return new IssueDecision(
          IssueReason.SIGNING_KEY_GONE,
          "the token in the Secret (jti "
              + lastIssued.jti()
              + ") was signed by key "
              + observed.goneKid().get()
              + ", which is no longer in the signing key ring: verifiers reject it");
    }
    if (observed.verifiedClaims().isEmpty()) {
      return new IssueDecision(
          IssueReason.UNKNOWN_SIGNING_KEY,
          "the token in the Secret does not verify with any key in the signing key ring");
    }
    TokenClaims claims = observed.verifiedClaims().get();
    if (observed.indexRevoked()) {
      return new IssueDecision(
          IssueReason.REVOKED_IN_STATE,
          "the token in the Secret (jti "
              + claims.jti()
              + ", index "
              + claims.statusIndex()
              + ") is revoked in the operator's revocation state although this ApiToken is not"
              + " revoked: every verifier rejects it");
    }
    Optional<String> changedClaims = describeChangedClaims(desired, claims);
    if (changedClaims.isPresent()) {
      return new IssueDecision(IssueReason.CLAIMS_CHANGED, changedClaims.get());
    }
    Duration lifetime = Duration.between(claims.issuedAt(), claims.expiresAt());
    if (!lifetime.equals(desired.ttl())) {
      return new IssueDecision(
          IssueReason.TTL_CHANGED,
          "ttl changed from " + describe(lifetime) + " to " + describe(desired.ttl()));
    }
    if (!now.isBefore(claims.expiresAt())) {
      return new IssueDecision(IssueReason.EXPIRED, "the token expired at " + claims.expiresAt());
    }
    Instant renewalTime = renewalTime(claims, desired.renewBefore());
    if (!now.isBefore(renewalTime)) {
      return new IssueDecision(
          IssueReason.RENEWAL_DUE,
          "renewal was due at " + renewalTime + "; the token expires at " + claims.expiresAt());
    }
    if (request.isPresent() && claims.issuedAt().isBefore(request.get().before())) {
      return new IssueDecision(
          request.get().reason(),
          request.get().description()
              + "; the token in the Secret was issued at "
              + claims.issuedAt());
    }
    return new IssueDecision(
        IssueReason.UP_TO_DATE,
        "the token is valid until " + claims.expiresAt() + "; renewal at " + renewalTime);
  }

  /** When a token with these claims is due for renewal: {@code exp - renewBefore}. */
  public static Instant renewalTime(TokenClaims claims, Duration renewBefore) {
    return claims.expiresAt().minus(renewBefore);
  }

  private static boolean sameHash(String observedHash, String issuedHash) {
    return MessageDigest.isEqual(
        observedHash.getBytes(StandardCharsets.UTF_8), issuedHash.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Names every claim whose desired value differs from the token's, e.g. {@code scope changed from
   * "read" to "read write"}. Audiences and scopes compare as sets: reordering a list in the spec
   * does not warrant a new token.
   */
  private static Optional<String> describeChangedClaims(DesiredToken desired, TokenClaims claims) {
    List<String> changes = new ArrayList<>();
    if (!desired.issuer().equals(claims.issuer())) {
      changes.add(changed("iss", claims.issuer(), desired.issuer()));
    }
    if (!desired.subject().equals(claims.subject())) {
      changes.add(changed("sub", claims.subject(), desired.subject()));
    }
    if (!asSet(desired.audiences()).equals(asSet(claims.audiences()))) {
      changes.add(
          changed(
              "aud", String.join(" ", claims.audiences()), String.join(" ", desired.audiences())));
    }
    if (!asSet(desired.scopes()).equals(asSet(claims.scopes()))) {
      changes.add(
          changed("scope", String.join(" ", claims.scopes()), String.join(" ", desired.scopes())));
    }
    return changes.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", changes));
  }

  private static String changed(String claim, String from, String to) {
    return claim + " changed from \"" + from + "\" to \"" + to + "\"";
  }

  private static LinkedHashSet<String> asSet(List<String> values) {
    return new LinkedHashSet<>(values);
  }

  /** Durations as users write them, falling back to ISO-8601 for what the format cannot show. */
  private static String describe(Duration duration) {
    try {
      return Durations.format(duration);
    } catch (IllegalArgumentException notFormattable) {
      return duration.toString();
    }
  }
}
