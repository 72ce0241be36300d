package dev.apitoken.operator.token;

import static dev.apitoken.operator.token.Fixtures.STATUS_URI;
import static dev.apitoken.operator.token.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.format.TokenClaims;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class ReissuePolicyTest {

  private static final Duration TTL = Duration.ofHours(24);
  private static final Duration RENEW_BEFORE = Duration.ofHours(8);
  private static final Instant EXPIRY = T0.plus(TTL);
  private static final Instant RENEWAL = EXPIRY.minus(RENEW_BEFORE);

  private static final SeededSecureRandom RANDOM = new SeededSecureRandom(31);
  private static final KeyRing RING = KeyRing.create(T0, RANDOM);
  private static final KeyRing OTHER_RING = KeyRing.create(T0, RANDOM);
  private static final DesiredToken DESIRED = desired(List.of("read"), TTL);
  private static final TokenIssuer ISSUER =
      new TokenIssuer(
          STATUS_URI,
          RING::activeKey,
          new IndexAllocator(new InMemoryIndexBlockStore(), 100),
          RANDOM,
          Clock.fixed(T0, ZoneOffset.UTC));
  private static final SignedToken ISSUED = ISSUER.issue(DESIRED);
  private static final SignedToken OTHER_TOKEN = ISSUER.issue(DESIRED);
  private static final LastIssued LAST_ISSUED = LastIssued.of(ISSUED);

  /**
   * ISSUED with its claims re-signed by a key of another ring: names RING's kid, fails to verify.
   */
  private static final SignedToken FORGED =
      new SignedToken(
          ISSUED.value().substring(0, ISSUED.value().lastIndexOf('.') + 1)
              + TokenSigner.sign(ISSUED.claims(), OTHER_RING.activeKey())
                  .value()
                  .substring(ISSUED.value().lastIndexOf('.') + 1),
          ISSUED.claims(),
          RING.activeKey().kid());

  private static final ObservedToken IN_SECRET = ObservedToken.of(ISSUED.value(), RING);

  /** One row of the table: the inputs and what the policy must decide. */
  record Row(
      String name,
      DesiredToken desired,
      LastIssued lastIssued,
      ObservedToken observed,
      Instant now,
      IssueReason expectedReason,
      String expectedMessage) {

    /** The up-to-date case; each row changes only what it is about. */
    static Row row(String name) {
      return new Row(
          name,
          DESIRED,
          LAST_ISSUED,
          IN_SECRET,
          T0.plus(Duration.ofHours(1)),
          IssueReason.UP_TO_DATE,
          "");
    }

    Row desired(DesiredToken desired) {
      return new Row(name, desired, lastIssued, observed, now, expectedReason, expectedMessage);
    }

    Row lastIssued(LastIssued lastIssued) {
      return new Row(name, desired, lastIssued, observed, now, expectedReason, expectedMessage);
    }

    Row observed(ObservedToken observed) {
      return new Row(name, desired, lastIssued, observed, now, expectedReason, expectedMessage);
    }

    Row at(Instant now) {
      return new Row(name, desired, lastIssued, observed, now, expectedReason, expectedMessage);
    }

    Row expect(IssueReason reason, String message) {
      return new Row(name, desired, lastIssued, observed, now, reason, message);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Row> oneRowPerReason() {
    return Stream.of(
        Row.row("nothing issued yet")
            .lastIssued(null)
            .expect(IssueReason.FIRST_ISSUE, "no token has been issued yet"),
        Row.row("Secret deleted")
            .observed(ObservedToken.secretMissing())
            .expect(IssueReason.SECRET_MISSING, "the token Secret does not exist"),
        Row.row("Secret without token")
            .observed(new ObservedToken(true, null, Optional.empty()))
            .expect(IssueReason.SECRET_MISSING, "the token Secret holds no token"),
        Row.row("Secret holds another token")
            .observed(ObservedToken.of(OTHER_TOKEN.value(), RING))
            .expect(
                IssueReason.TOKEN_TAMPERED,
                "the token Secret holds a token other than the one last issued (jti "
                    + ISSUED.claims().jti()
                    + ")"),
        Row.row("Secret holds garbage")
            .observed(ObservedToken.of("garbage", RING))
            .expect(IssueReason.TOKEN_TAMPERED, "other than the one last issued"),
        Row.row("signing key no longer in the ring")
            .observed(ObservedToken.of(ISSUED.value(), OTHER_RING))
            .expect(
                IssueReason.SIGNING_KEY_GONE,
                "the token in the Secret (jti "
                    + ISSUED.claims().jti()
                    + ") was signed by key "
                    + RING.activeKey().kid()
                    + ", which is no longer in the signing key ring: verifiers reject it"),
        Row.row("signature does not verify with the key it names")
            .lastIssued(LastIssued.of(FORGED))
            .observed(ObservedToken.of(FORGED.value(), RING))
            .expect(
                IssueReason.UNKNOWN_SIGNING_KEY,
                "does not verify with any key in the signing key ring"),
        Row.row("its index is revoked in the stored state, the ApiToken is not")
            .observed(
                new ObservedToken(
                    true,
                    IN_SECRET.tokenValueHash(),
                    IN_SECRET.verifiedClaims(),
                    IN_SECRET.goneKid(),
                    true))
            .expect(
                IssueReason.REVOKED_IN_STATE,
                "the token in the Secret (jti "
                    + ISSUED.claims().jti()
                    + ", index "
                    + ISSUED.claims().statusIndex()
                    + ") is revoked in the operator's revocation state although this ApiToken is"
                    + " not revoked: every verifier rejects it"),
        Row.row("scope added")
            .desired(desired(List.of("read", "write"), TTL))
            .expect(IssueReason.CLAIMS_CHANGED, "scope changed from \"read\" to \"read write\""),
        Row.row("issuer changed")
            .desired(
                new DesiredToken(
                    "https://other.example",
                    DESIRED.subject(),
                    DESIRED.audiences(),
                    DESIRED.scopes(),
                    TTL,
                    RENEW_BEFORE))
            .expect(
                IssueReason.CLAIMS_CHANGED,
                "iss changed from \"https://apitoken.example\" to \"https://other.example\""),
        Row.row("subject and audience changed")
            .desired(
                new DesiredToken(
                    DESIRED.issuer(),
                    "other",
                    List.of("orders", "billing"),
                    DESIRED.scopes(),
                    TTL,
                    RENEW_BEFORE))
            .expect(
                IssueReason.CLAIMS_CHANGED,
                "sub changed from \"system:serviceaccount:shop:cart\" to \"other\"; "
                    + "aud changed from \"orders\" to \"orders billing\""),
        Row.row("ttl changed")
            .desired(desired(List.of("read"), Duration.ofHours(720)))
            .expect(IssueReason.TTL_CHANGED, "ttl changed from 24h to 720h"),
        Row.row("expired exactly now")
            .at(EXPIRY)
            .expect(IssueReason.EXPIRED, "the token expired at 2025-01-02T00:00:00Z"),
        Row.row("renewal due exactly now")
            .at(RENEWAL)
            .expect(
                IssueReason.RENEWAL_DUE,
                "renewal was due at 2025-01-01T16:00:00Z; the token expires at 2025-01-02T00:00:00Z"),
        Row.row("a second before renewal")
            .at(RENEWAL.minusSeconds(1))
            .expect(
                IssueReason.UP_TO_DATE,
                "the token is valid until 2025-01-02T00:00:00Z; renewal at 2025-01-01T16:00:00Z"),
        Row.row("just issued")
            .at(T0)
            .expect(IssueReason.UP_TO_DATE, "renewal at 2025-01-01T16:00:00Z"));
  }

  static Stream<Row> orderingCases() {
    return Stream.of(
        Row.row("first issue beats a missing Secret")
            .lastIssued(null)
            .observed(ObservedToken.secretMissing())
            .expect(IssueReason.FIRST_ISSUE, ""),
        Row.row("missing Secret beats changed claims and expiry")
            .observed(ObservedToken.secretMissing())
            .desired(desired(List.of("write"), TTL))
            .at(EXPIRY.plusSeconds(1))
            .expect(IssueReason.SECRET_MISSING, ""),
        Row.row("tampering beats an unknown key")
            .observed(ObservedToken.of(OTHER_TOKEN.value(), OTHER_RING))
            .expect(IssueReason.TOKEN_TAMPERED, ""),
        Row.row("a gone key beats changed claims and expiry")
            .observed(ObservedToken.of(ISSUED.value(), OTHER_RING))
            .desired(desired(List.of("write"), TTL))
            .at(EXPIRY.plusSeconds(1))
            .expect(IssueReason.SIGNING_KEY_GONE, ""),
        Row.row("an unverifiable signature beats changed claims")
            .lastIssued(LastIssued.of(FORGED))
            .observed(ObservedToken.of(FORGED.value(), RING))
            .desired(desired(List.of("write"), TTL))
            .expect(IssueReason.UNKNOWN_SIGNING_KEY, ""),
        Row.row("changed claims beat a changed ttl and expiry")
            .desired(desired(List.of("write"), Duration.ofHours(48)))
            .at(EXPIRY.plusSeconds(1))
            .expect(IssueReason.CLAIMS_CHANGED, "scope changed from \"read\" to \"write\""),
        Row.row("changed ttl beats expiry")
            .desired(desired(List.of("read"), Duration.ofHours(48)))
            .at(EXPIRY.plusSeconds(1))
            .expect(IssueReason.TTL_CHANGED, "ttl changed from 24h to 48h"),
        Row.row("expiry beats renewal")
            .at(EXPIRY.plus(Duration.ofDays(10)))
            .expect(IssueReason.EXPIRED, ""),
        Row.row("reordered scopes are not a change")
            .desired(desired(List.of("read", "read"), TTL))
            .expect(IssueReason.UP_TO_DATE, ""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource({"oneRowPerReason", "orderingCases"})
  void decides(Row row) {
    IssueDecision decision =
        ReissuePolicy.evaluate(row.desired(), row.lastIssued(), row.observed(), row.now());

    assertThat(decision.reason()).isEqualTo(row.expectedReason());
    assertThat(decision.message()).contains(row.expectedMessage());
    assertThat(decision.requiresIssue()).isEqualTo(row.expectedReason() != IssueReason.UP_TO_DATE);
    assertThat(decision.message())
        .doesNotContain(ISSUED.value())
        .doesNotContain(ISSUED.value().split("\\.")[2]);
  }

  /** Rows for a renew request or spec.revokeIssuedBefore: (name, request, now, expected). */
  static Stream<org.junit.jupiter.params.provider.Arguments> requests() {
    Instant later = T0.plus(Duration.ofHours(1));
    return Stream.of(
        org.junit.jupiter.params.provider.Arguments.of(
            "a renew request after the token was issued",
            new ReissueRequest(IssueReason.RENEW_REQUESTED, later, "a new token was requested"),
            later,
            IssueReason.RENEW_REQUESTED),
        org.junit.jupiter.params.provider.Arguments.of(
            "revokeIssuedBefore after the token was issued",
            new ReissueRequest(IssueReason.REVOKE_ISSUED_BEFORE, later, "revokeIssuedBefore"),
            later,
            IssueReason.REVOKE_ISSUED_BEFORE),
        org.junit.jupiter.params.provider.Arguments.of(
            "a request the token already answers (issued in that second)",
            new ReissueRequest(IssueReason.RENEW_REQUESTED, T0, "a new token was requested"),
            later,
            IssueReason.UP_TO_DATE),
        org.junit.jupiter.params.provider.Arguments.of(
            "a due renewal beats a request",
            new ReissueRequest(IssueReason.RENEW_REQUESTED, later, "a new token was requested"),
            EXPIRY.minusSeconds(60),
            IssueReason.RENEWAL_DUE));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("requests")
  void requestedReissues(String name, ReissueRequest request, Instant now, IssueReason expected) {
    Row row = Row.row(name);
    IssueDecision decision =
        ReissuePolicy.evaluate(
            row.desired(), row.lastIssued(), row.observed(), Optional.of(request), now);

    assertThat(decision.reason()).isEqualTo(expected);
  }

  @Test
  void everyReasonHasARow() {
    List<IssueReason> covered =
        Stream.concat(
                oneRowPerReason().map(Row::expectedReason),
                requests().map(a -> (IssueReason) a.get()[3]))
            .distinct()
            .toList();

    assertThat(covered).containsExactlyInAnyOrder(IssueReason.values());
  }

  @Test
  void reorderedAudiencesAndScopesAreNotAChange() {
    KeyRing ring = KeyRing.create(T0, RANDOM);
    DesiredToken original =
        new DesiredToken("i", "s", List.of("a", "b"), List.of("x", "y"), TTL, RENEW_BEFORE);
    SignedToken token =
        TokenSigner.sign(
            new TokenClaims(
                "i", "s", List.of("a", "b"), List.of("x", "y"), T0, T0, EXPIRY, "j", 0, STATUS_URI),
            ring.activeKey());
    DesiredToken reordered =
        new DesiredToken("i", "s", List.of("b", "a"), List.of("y", "x"), TTL, RENEW_BEFORE);

    for (DesiredToken desired : List.of(original, reordered)) {
      assertThat(
              ReissuePolicy.evaluate(
                      desired, LastIssued.of(token), ObservedToken.of(token.value(), ring), T0)
                  .reason())
          .isEqualTo(IssueReason.UP_TO_DATE);
    }
  }

  @ParameterizedTest
  @EnumSource(IssueReason.class)
  void reasonsAreCamelCaseAndOnlyUpToDateNeedsNoIssue(IssueReason reason) {
    assertThat(reason.label()).matches("[A-Z][a-zA-Z]+");
    assertThat(reason.requiresIssue()).isEqualTo(reason != IssueReason.UP_TO_DATE);
  }

  @Test
  void labelsAreTheDocumentedOnes() {
    assertThat(Arrays.stream(IssueReason.values()).map(IssueReason::label))
        .containsExactly(
            "FirstIssue",
            "SecretMissing",
            "TokenTampered",
            "SigningKeyGone",
            "UnknownSigningKey",
            "ClaimsChanged",
            "TtlChanged",
            "RevokedInState",
            "Expired",
            "RenewalDue",
            "RenewRequested",
            "RevokeIssuedBefore",
            "UpToDate");
  }

  @Test
  void renewalTimeIsRenewBeforeAheadOfExpiry() {
    TokenClaims claims = Fixtures.claims().issuedAt(T0).ttl(TTL).build();

    assertThat(ReissuePolicy.renewalTime(claims, RENEW_BEFORE))
        .isEqualTo(Instant.parse("2025-01-01T16:00:00Z"));
    assertThat(ReissuePolicy.renewalTime(claims, Duration.ZERO)).isEqualTo(EXPIRY);
  }

  private static DesiredToken desired(List<String> scopes, Duration ttl) {
    return Fixtures.desired(scopes, ttl, RENEW_BEFORE);
  }

  @ParameterizedTest(name = "ttl {0} renews {1} before expiry")
  @org.junit.jupiter.params.provider.CsvSource({
    "5m, 0s",
    "6m, 1m",
    "7m30s, 2m30s",
    "10m, 3m20s",
    "1h1s, 20m",
    "720h, 240h"
  })
  void defaultRenewBeforeIsAThirdButKeepsRenewalsFiveMinutesApart(String ttl, String expected) {
    Duration renewBefore = ReissuePolicy.defaultRenewBefore(Durations.parse(ttl));
    assertThat(renewBefore).isEqualTo(Durations.parse(expected));
    assertThat(Durations.parse(ttl).minus(renewBefore))
        .isGreaterThanOrEqualTo(ReissuePolicy.MINIMUM_RENEWAL_INTERVAL);
  }
}
