package dev.apitoken.operator.token;

import dev.apitoken.format.TokenClaims;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/** Shared test data: fixed instants, the RFC 8037 test key, and claims builders. */
final class Fixtures {

  static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
  static final String STATUS_URI = "https://apitoken.example/status-list";

  /** RFC 8037 appendix A.1/A.3: an Ed25519 key pair and its RFC 7638 thumbprint. */
  static final String RFC8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";

  static final String RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
  static final String RFC8037_KID = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";

  private Fixtures() {}

  static byte[] base64url(String text) {
    return Base64.getUrlDecoder().decode(text);
  }

  static SigningKey rfc8037Key(Instant createdAt) {
    return new SigningKey(RFC8037_KID, base64url(RFC8037_X), base64url(RFC8037_D), createdAt, null);
  }

  static ClaimsBuilder claims() {
    return new ClaimsBuilder();
  }

  static DesiredToken desired(List<String> scopes, Duration ttl, Duration renewBefore) {
    return new DesiredToken(
        "https://apitoken.example",
        "system:serviceaccount:shop:cart",
        List.of("orders"),
        scopes,
        ttl,
        renewBefore);
  }

  /** Claims with sensible defaults; change only what a test is about. */
  static final class ClaimsBuilder {
    private String issuer = "https://apitoken.example";
    private String subject = "system:serviceaccount:shop:cart";
    private List<String> audiences = List.of("orders", "payments");
    private List<String> scopes = List.of("read", "write");
    private Instant issuedAt = T0;
    private Duration ttl = Duration.ofHours(24);
    private String jti = "AAAAAAAAAAAAAAAAAAAAAA";
    private long statusIndex = 7;
    private String statusUri = STATUS_URI;

    ClaimsBuilder issuer(String issuer) {
      this.issuer = issuer;
      return this;
    }

    ClaimsBuilder subject(String subject) {
      this.subject = subject;
      return this;
    }

    ClaimsBuilder audiences(String... audiences) {
      this.audiences = List.of(audiences);
      return this;
    }

    ClaimsBuilder scopes(String... scopes) {
      this.scopes = List.of(scopes);
      return this;
    }

    ClaimsBuilder issuedAt(Instant issuedAt) {
      this.issuedAt = issuedAt;
      return this;
    }

    ClaimsBuilder ttl(Duration ttl) {
      this.ttl = ttl;
      return this;
    }

    ClaimsBuilder jti(String jti) {
      this.jti = jti;
      return this;
    }

    ClaimsBuilder statusIndex(long statusIndex) {
      this.statusIndex = statusIndex;
      return this;
    }

    TokenClaims build() {
      return new TokenClaims(
          issuer,
          subject,
          audiences,
          scopes,
          issuedAt,
          issuedAt,
          issuedAt.plus(ttl),
          jti,
          statusIndex,
          statusUri);
    }
  }
}
