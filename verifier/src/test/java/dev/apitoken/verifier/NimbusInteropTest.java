package dev.apitoken.verifier;

import static dev.apitoken.verifier.TokenFactory.AUDIENCE;
import static dev.apitoken.verifier.TokenFactory.ISSUER;
import static dev.apitoken.verifier.TokenFactory.NOW;
import static dev.apitoken.verifier.TokenFactory.STATUS_URI;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tokens made by nimbus-jose-jwt, an independent JOSE implementation, and the other way round. */
class NimbusInteropTest {
  static final TestKey KEY = TestKey.fromSeed(1);

  private final TokenVerifier verifier =
      TokenVerifier.builder()
          .trust(TestKey.jwks(KEY), TokenFactory.statusListJson(7))
          .expectedIssuer(ISSUER)
          .expectedAudience(AUDIENCE)
          .clock(Clock.fixed(NOW, ZoneOffset.UTC))
          .build();

  static JWTClaimsSet claims(List<String> audience, long idx) {
    return new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .subject("system:serviceaccount:shop:checkout")
        .audience(audience)
        .claim("scope", "orders:read")
        .issueTime(Date.from(NOW.minusSeconds(60)))
        .notBeforeTime(Date.from(NOW.minusSeconds(60)))
        .expirationTime(Date.from(NOW.plusSeconds(600)))
        .jwtID("AAECAwQFBgcICQoLDA0ODw")
        .claim("status", Map.of("status_list", Map.of("idx", idx, "uri", STATUS_URI)))
        .build();
  }

  static JWSHeader header(JWSAlgorithm alg) {
    return new JWSHeader.Builder(alg).keyID(KEY.kid()).type(JOSEObjectType.JWT).build();
  }

  static String nimbusToken(JWTClaimsSet claims) throws Exception {
    SignedJWT jwt = new SignedJWT(header(JWSAlgorithm.EdDSA), claims);
    jwt.sign(new Ed25519Signer(KEY.toNimbus()));
    return jwt.serialize();
  }

  @Test
  void acceptsNimbusEd25519Tokens() throws Exception {
    Verdict several = verifier.verify(nimbusToken(claims(List.of(AUDIENCE, "billing"), 3)));
    // nimbus writes a single audience as a plain string
    Verdict single = verifier.verify(nimbusToken(claims(List.of(AUDIENCE), 3)));

    assertThat(several)
        .isInstanceOfSatisfying(
            Verdict.Accepted.class,
            accepted -> {
              assertThat(accepted.claims().audiences()).containsExactly(AUDIENCE, "billing");
              assertThat(accepted.claims().statusIndex()).isEqualTo(3);
              assertThat(accepted.claims().expiresAt()).isEqualTo(NOW.plusSeconds(600));
            });
    assertThat(single.isAccepted()).isTrue();
    assertThat(verifier.verify(nimbusToken(claims(List.of(AUDIENCE), 7))).rejection())
        .contains(Rejection.REVOKED);
  }

  @Test
  void nimbusVerifiesTheTestFactorysTokens() throws Exception {
    SignedJWT parsed = SignedJWT.parse(new TokenFactory(KEY).token(TokenFactory.claims(3)));

    assertThat(parsed.verify(new Ed25519Verifier(KEY.toNimbus().toPublicJWK()))).isTrue();
    assertThat(parsed.getHeader().getKeyID()).isEqualTo(KEY.kid());
    assertThat(KEY.toNimbus().computeThumbprint().toString()).isEqualTo(KEY.kid());
  }

  @Test
  void rejectsNimbusUnsecuredTokens() {
    String unsecured = new PlainJWT(claims(List.of(AUDIENCE), 3)).serialize();

    assertThat(verifier.verify(unsecured).rejection()).contains(Rejection.MALFORMED);
  }

  @Test
  void rejectsNimbusHs256TokensKeyedWithThePublicKey() throws Exception {
    SignedJWT jwt = new SignedJWT(header(JWSAlgorithm.HS256), claims(List.of(AUDIENCE), 3));
    jwt.sign(new MACSigner(KEY.publicKey()));

    assertThat(verifier.verify(jwt.serialize()).rejection()).contains(Rejection.BAD_SIGNATURE);
  }
}
