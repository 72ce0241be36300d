package dev.apitoken.operator.token;

import static dev.apitoken.operator.token.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.apitoken.format.TokenClaims;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TokenSignerTest {

  private final SigningKey key = Fixtures.rfc8037Key(T0);

  @Test
  void writesExactlyTheContractSerialization() {
    SignedToken token = TokenSigner.sign(Fixtures.claims().build(), key);

    String[] parts = token.value().split("\\.");
    assertThat(parts).hasSize(3);
    assertThat(decode(parts[0]))
        .isEqualTo("{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"" + Fixtures.RFC8037_KID + "\"}");
    assertThat(decode(parts[1]))
        .isEqualTo(
            "{\"iss\":\"https://apitoken.example\","
                + "\"sub\":\"system:serviceaccount:shop:cart\","
                + "\"aud\":[\"orders\",\"payments\"],"
                + "\"scope\":\"read write\","
                + "\"iat\":1735689600,\"nbf\":1735689600,\"exp\":1735776000,"
                + "\"jti\":\"AAAAAAAAAAAAAAAAAAAAAA\","
                + "\"status\":{\"status_list\":{\"idx\":7,"
                + "\"uri\":\"https://apitoken.example/status-list\"}}}");
    assertThat(token.value()).doesNotContain("=").doesNotContain("+").doesNotContain("/");
    assertThat(token.kid()).isEqualTo(key.kid());
    assertThat(token.claims()).isEqualTo(Fixtures.claims().build());
  }

  @Test
  void omitsEmptyAudiencesAndScopes() {
    TokenClaims claims = Fixtures.claims().audiences().scopes().build();

    String payload = decode(TokenSigner.sign(claims, key).value().split("\\.")[1]);

    assertThat(payload)
        .startsWith(
            "{\"iss\":\"https://apitoken.example\",\"sub\":\"system:serviceaccount:shop:cart\",\"iat\":")
        .doesNotContain("aud")
        .doesNotContain("scope");
  }

  @Test
  void signsDeterministically() {
    TokenClaims claims = Fixtures.claims().build();

    assertThat(TokenSigner.sign(claims, key)).isEqualTo(TokenSigner.sign(claims, key));
  }

  @Test
  void nimbusVerifiesTheSignatureAndReadsTheClaims() throws Exception {
    SigningKey generated = SigningKey.generate(T0, new SeededSecureRandom(5));
    SignedToken token = TokenSigner.sign(Fixtures.claims().build(), generated);
    OctetKeyPair jwk =
        new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(generated.publicKey())).build();

    SignedJWT jwt = SignedJWT.parse(token.value());

    assertThat(jwt.verify(new JdkEd25519JwsVerifier(jwk))).isTrue();
    assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.EdDSA);
    assertThat(jwt.getHeader().getType()).isEqualTo(JOSEObjectType.JWT);
    assertThat(jwt.getHeader().getKeyID()).isEqualTo(jwk.computeThumbprint().toString());
    JWTClaimsSet claims = jwt.getJWTClaimsSet();
    assertThat(claims.getIssuer()).isEqualTo("https://apitoken.example");
    assertThat(claims.getSubject()).isEqualTo("system:serviceaccount:shop:cart");
    assertThat(claims.getAudience()).containsExactly("orders", "payments");
    assertThat(claims.getStringClaim("scope")).isEqualTo("read write");
    assertThat(claims.getIssueTime()).isEqualTo(Date.from(T0));
    assertThat(claims.getNotBeforeTime()).isEqualTo(Date.from(T0));
    assertThat(claims.getExpirationTime()).isEqualTo(Date.from(T0.plusSeconds(86_400)));
    assertThat(claims.getJWTID()).isEqualTo("AAAAAAAAAAAAAAAAAAAAAA");
    assertThat(claims.getJSONObjectClaim("status"))
        .isEqualTo(
            Map.of(
                "status_list", Map.of("idx", 7L, "uri", "https://apitoken.example/status-list")));
  }

  @Test
  void nimbusRejectsATokenSignedByAnotherKey() throws Exception {
    SigningKey other = SigningKey.generate(T0, new SeededSecureRandom(6));
    SignedToken token = TokenSigner.sign(Fixtures.claims().build(), other);
    OctetKeyPair wrongJwk =
        new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(key.publicKey())).build();

    assertThat(JWSObject.parse(token.value()).verify(new JdkEd25519JwsVerifier(wrongJwk)))
        .isFalse();
  }

  @Test
  void escapesStringsProperly() throws Exception {
    TokenClaims claims =
        Fixtures.claims()
            .issuer("https://issuer.example/\"quoted\"\\path")
            .subject("ünïcode\nline\u0001")
            .audiences("a\"b", "</script>")
            .build();
    SignedToken token = TokenSigner.sign(claims, key);

    JWTClaimsSet parsed = SignedJWT.parse(token.value()).getJWTClaimsSet();

    assertThat(parsed.getIssuer()).isEqualTo(claims.issuer());
    assertThat(parsed.getSubject()).isEqualTo(claims.subject());
    assertThat(parsed.getAudience()).isEqualTo(List.of("a\"b", "</script>"));
    assertThat(TokenReader.verify(token.value(), new KeyRing(List.of(key)))).contains(claims);
  }

  private static String decode(String part) {
    return new String(Base64URL.from(part).decode(), StandardCharsets.UTF_8);
  }
}
