package dev.apitoken.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.operator.api.ApiTokenSpec;
import dev.apitoken.operator.config.ConfigLoader;
import dev.apitoken.operator.reconcile.SpecResolver;
import dev.apitoken.operator.revocation.RevokedRecords;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.token.DesiredToken;
import dev.apitoken.operator.token.InMemoryIndexBlockStore;
import dev.apitoken.operator.token.IndexAllocator;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.SignedToken;
import dev.apitoken.operator.token.TokenIssuer;
import dev.apitoken.operator.token.TokenSize;
import dev.apitoken.verifier.TokenVerifier;
import dev.apitoken.verifier.Verdict;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The CRD's limits on subject, audiences and scopes are computed from the verifier's default token
 * limit: the largest spec the CRD admits, with the longest issuer and status list URI the limits
 * allow for, produces a token that a default verifier accepts.
 */
class LargestAdmittedTokenTest {
  /** The issuer and status list URI lengths the CRD limits leave room for, together. */
  static final int ISSUER_AND_STATUS_URI_BUDGET = 512;

  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void theLargestTokenTheCrdAdmitsFitsTheVerifiersDefaultLimit() {
    // Four UTF-8 bytes per character in the subject; audiences and scopes are ASCII by schema.
    String subject = "\uD83D\uDE00".repeat(ApiTokenSpec.MAX_SUBJECT_LENGTH);
    List<String> audiences =
        numbered(ApiTokenSpec.MAX_AUDIENCES, ApiTokenSpec.MAX_AUDIENCE_LENGTH, '~');
    List<String> scopes = numbered(ApiTokenSpec.MAX_SCOPES, ApiTokenSpec.MAX_SCOPE_LENGTH, '!');
    Map<String, Object> apiToken = CrdValidationTest.fixture("minimal.yaml");
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("subject", subject);
    spec.put("audiences", audiences);
    spec.put("scopes", scopes);
    spec.put("ttl", "2160h");
    apiToken.put("spec", spec);
    assertThat(Admission.checkedInCrd().create(apiToken)).as("admitted").isEmpty();

    String issuer = "https://" + "i".repeat(ISSUER_AND_STATUS_URI_BUDGET / 2 - 8);
    String statusUri = issuer.substring(0, issuer.length() - 11) + "/statuslist";
    var config =
        ConfigLoader.load(
            new String[] {
              "--issuer=" + issuer, "--status-list-uri=" + statusUri, "--max-ttl=2160h"
            },
            Map.of("POD_NAMESPACE", "ops"));
    ApiTokenSpec typed = new ApiTokenSpec();
    typed.setSubject(subject);
    typed.setAudiences(audiences);
    typed.setScopes(scopes);
    typed.setTtl("2160h");
    SpecResolver.Resolution resolution = new SpecResolver(config).resolve(typed);
    assertThat(resolution.problem()).isNull();
    DesiredToken desired = resolution.desired();

    int largest = TokenSize.largestLength(desired, statusUri);
    KeyRing ring = KeyRing.create(NOW, new SecureRandom());
    TokenIssuer issuer9 =
        new TokenIssuer(
            statusUri,
            ring::activeKey,
            new IndexAllocator(new InMemoryIndexBlockStore(), 1000),
            new SecureRandom(),
            Clock.fixed(NOW, ZoneOffset.UTC));
    SignedToken token = issuer9.issue(desired);
    System.out.printf(
        "largest admitted token: %d characters signed now, %d at most, limit %d%n",
        token.value().length(), largest, TokenSize.MAX_TOKEN_LENGTH);

    assertThat(token.value().length()).isLessThanOrEqualTo(largest);
    assertThat(largest).isLessThanOrEqualTo(TokenSize.MAX_TOKEN_LENGTH);
    assertThat(TokenSize.MAX_TOKEN_LENGTH).isEqualTo(TokenVerifier.DEFAULT_MAX_TOKEN_LENGTH);

    Map<String, String> trust =
        TrustDocument.compose(ring.publicJwks(), RevokedRecords.empty(), 1000, statusUri);
    Verdict verdict =
        TokenVerifier.builder()
            .trust(trust.get(TrustDocument.JWKS_KEY), trust.get(TrustDocument.STATUS_LIST_KEY))
            .expectedIssuer(issuer)
            .clock(Clock.fixed(NOW, ZoneOffset.UTC))
            .watch(false)
            .build()
            .verify(token.value());
    assertThat(verdict.isAccepted())
        .as("default verifier accepts it: %s", verdict.rejection())
        .isTrue();
  }

  /** {@code count} distinct entries of exactly {@code length} characters. */
  private static List<String> numbered(int count, int length, char fill) {
    return IntStream.range(0, count)
        .mapToObj(i -> i + String.join("", Collections.nCopies(length, String.valueOf(fill))))
        .map(entry -> entry.substring(0, length))
        .collect(Collectors.toList());
  }
}
