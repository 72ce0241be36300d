package dev.apitoken.operator.interop;

import static dev.apitoken.operator.interop.InteropFixtures.claims;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.apitoken.format.TokenClaims;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.SignedToken;
import dev.apitoken.operator.token.SigningKey;
import dev.apitoken.operator.token.TokenSigner;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * (a) Tokens signed by the operator verify with nimbus-jose-jwt, an independent JOSE library,
 * against the JWKS the operator publishes, and nimbus reads the claims we meant to write.
 */
class OperatorTokensVerifyWithNimbusTest {
  private final KeyRing ring = InteropFixtures.rotatedRing();

  /** The published JWKS as a relying party using nimbus would load it. */
  private JWKSet publishedJwks() throws Exception {
    return JWKSet.parse(ring.publicJwks());
  }

  private OctetKeyPair publishedKey(SignedJWT jwt) throws Exception {
    JWK jwk = publishedJwks().getKeyByKeyId(jwt.getHeader().getKeyID());
    assertThat(jwk).as("published key for kid %s", jwt.getHeader().getKeyID()).isNotNull();
    return jwk.toOctetKeyPair();
  }

  @Test
  void publishedJwksIsPublicEd25519SigningKeysWithThumbprintKids() throws Exception {
    JWKSet jwks = publishedJwks();

    assertThat(jwks.getKeys()).hasSize(2);
    for (JWK jwk : jwks.getKeys()) {
      assertThat(jwk.isPrivate()).isFalse();
      assertThat(jwk.getKeyUse()).isEqualTo(KeyUse.SIGNATURE);
      assertThat(jwk.getAlgorithm()).isEqualTo(JWSAlgorithm.EdDSA);
      assertThat(jwk.toOctetKeyPair().getCurve().getName()).isEqualTo("Ed25519");
      assertThat(jwk.getKeyID()).isEqualTo(jwk.computeThumbprint().toString());
    }
    assertThat(jwks.getKeys())
        .extracting(JWK::getKeyID)
        .containsExactlyInAnyOrderElementsOf(ring.keys().stream().map(SigningKey::kid).toList());
  }

  @Test
  void tokensOfTheActiveAndTheRetiredKeyVerify() throws Exception {
    for (SigningKey key : ring.keys()) {
      SignedToken token = TokenSigner.sign(claims(3, List.of("orders"), List.of("read")), key);
      SignedJWT jwt = SignedJWT.parse(token.value());

      assertThat(jwt.getHeader().getKeyID()).isEqualTo(key.kid());
      assertThat(jwt.verify(new Ed25519Verifier(publishedKey(jwt)))).as(key.kid()).isTrue();
    }
  }

  @Test
  void nimbusReadsEveryClaim() throws Exception {
    TokenClaims claims = claims(42, List.of("orders", "billing"), List.of("orders:read", "x:y"));
    SignedJWT jwt = SignedJWT.parse(TokenSigner.sign(claims, ring.activeKey()).value());

    assertThat(jwt.verify(new Ed25519Verifier(publishedKey(jwt)))).isTrue();
    assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.EdDSA);
    assertThat(jwt.getHeader().getType()).isEqualTo(JOSEObjectType.JWT);
    assertThat(jwt.getHeader().getIncludedParams()).containsExactlyInAnyOrder("alg", "typ", "kid");
    JWTClaimsSet read = jwt.getJWTClaimsSet();
    assertThat(read.getIssuer()).isEqualTo(claims.issuer());
    assertThat(read.getSubject()).isEqualTo(claims.subject());
    assertThat(read.getAudience()).containsExactly("orders", "billing");
    assertThat(read.getStringClaim("scope")).isEqualTo("orders:read x:y");
    assertThat(read.getIssueTime()).isEqualTo(Date.from(claims.issuedAt()));
    assertThat(read.getNotBeforeTime()).isEqualTo(Date.from(claims.notBefore()));
    assertThat(read.getExpirationTime()).isEqualTo(Date.from(claims.expiresAt()));
    assertThat(read.getJWTID()).isEqualTo(claims.jti());
    assertThat(read.getJSONObjectClaim("status"))
        .isEqualTo(Map.of("status_list", Map.of("idx", 42L, "uri", InteropFixtures.STATUS_URI)));
  }

  @Test
  void tokenWithoutAudienceOrScopeOmitsThem() throws Exception {
    SignedJWT jwt =
        SignedJWT.parse(
            TokenSigner.sign(claims(0, List.of(), List.of()), ring.activeKey()).value());

    assertThat(jwt.verify(new Ed25519Verifier(publishedKey(jwt)))).isTrue();
    assertThat(jwt.getJWTClaimsSet().getClaims()).doesNotContainKeys("aud", "scope");
  }

  @Test
  void alteredPayloadDoesNotVerify() throws Exception {
    String[] parts =
        TokenSigner.sign(claims(3, List.of("orders"), List.of("read")), ring.activeKey())
            .value()
            .split("\\.");
    String otherPayload =
        TokenSigner.sign(claims(3, List.of("orders"), List.of("admin")), ring.activeKey())
            .value()
            .split("\\.")[1];
    SignedJWT forged = SignedJWT.parse(parts[0] + "." + otherPayload + "." + parts[2]);

    assertThat(forged.verify(new Ed25519Verifier(publishedKey(forged)))).isFalse();
  }
}
