package dev.apitoken.operator.interop;

import static dev.apitoken.operator.interop.InteropFixtures.ISSUER;
import static dev.apitoken.operator.interop.InteropFixtures.NOW;
import static dev.apitoken.operator.interop.InteropFixtures.STATUS_URI;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.apitoken.operator.revocation.IssueRecord;
import dev.apitoken.operator.revocation.RevokedRecords;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.KeyRingCodec;
import dev.apitoken.verifier.Rejection;
import dev.apitoken.verifier.TokenVerifier;
import dev.apitoken.verifier.Verdict;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * (b) Tokens that nimbus-jose-jwt signs with a key taken from our stored key ring, carrying our
 * claims, verify with our {@link TokenVerifier} against the trust documents the operator publishes:
 * the verifier does not depend on the operator's exact byte layout (member order, audience as a
 * string), only on the contract.
 */
class NimbusTokensVerifyWithOurVerifierTest {
  static final long REVOKED_INDEX = 9;

  private final KeyRing ring = InteropFixtures.rotatedRing();
  private final Map<String, String> trust =
      TrustDocument.compose(
          ring.publicJwks(),
          RevokedRecords.empty()
              .with(List.of(IssueRecord.revokedUnowned(REVOKED_INDEX, NOW.plusSeconds(60)))),
          100,
          STATUS_URI);
  private final TokenVerifier verifier =
      TokenVerifier.builder()
          .trust(trust.get(TrustDocument.JWKS_KEY), trust.get(TrustDocument.STATUS_LIST_KEY))
          .expectedIssuer(ISSUER)
          .expectedAudience("orders")
          .clock(Clock.fixed(NOW, ZoneOffset.UTC))
          .build();

  /** Each key of the stored key ring JSON ({@code keyring.json}), as nimbus parses it. */
  private List<OctetKeyPair> nimbusKeys() throws Exception {
    Map<String, Object> stored = JSONObjectUtils.parse(KeyRingCodec.toJson(ring));
    List<OctetKeyPair> keys = new ArrayList<>();
    for (Map<String, Object> key : JSONObjectUtils.getJSONObjectArray(stored, "keys")) {
      OctetKeyPair pair = OctetKeyPair.parse(key);
      assertThat(pair.isPrivate()).as("keyring.json carries d").isTrue();
      keys.add(pair);
    }
    return keys;
  }

  private static String sign(OctetKeyPair key, JWTClaimsSet claims) throws Exception {
    JWSHeader header =
        new JWSHeader.Builder(JWSAlgorithm.EdDSA)
            .type(JOSEObjectType.JWT)
            .keyID(key.getKeyID())
            .build();
    SignedJWT jwt = new SignedJWT(header, claims);
    jwt.sign(new Ed25519Signer(key));
    return jwt.serialize();
  }

  private static JWTClaimsSet ourClaims(List<String> audience, long idx) {
    Map<String, Object> statusList = new LinkedHashMap<>();
    statusList.put("idx", idx);
    statusList.put("uri", STATUS_URI);
    return new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .subject("system:serviceaccount:shop:checkout")
        .audience(audience)
        .claim("scope", "orders:read orders:write")
        .issueTime(Date.from(NOW.minusSeconds(60)))
        .notBeforeTime(Date.from(NOW.minusSeconds(60)))
        .expirationTime(Date.from(NOW.plus(Duration.ofHours(1))))
        .jwtID("AAECAwQFBgcICQoLDA0ODw")
        .claim("status", Map.of("status_list", statusList))
        .build();
  }

  @Test
  void nimbusTokensOfEveryKeyInTheRingAreAccepted() throws Exception {
    List<OctetKeyPair> keys = nimbusKeys();
    assertThat(keys).hasSize(2);

    for (OctetKeyPair key : keys) {
      Verdict verdict = verifier.verify(sign(key, ourClaims(List.of("orders", "billing"), 3)));

      assertThat(verdict)
          .as(key.getKeyID())
          .isInstanceOfSatisfying(
              Verdict.Accepted.class,
              accepted -> {
                assertThat(accepted.kid()).isEqualTo(key.getKeyID());
                assertThat(accepted.claims().subject())
                    .isEqualTo("system:serviceaccount:shop:checkout");
                assertThat(accepted.claims().audiences()).containsExactly("orders", "billing");
                assertThat(accepted.claims().scopes())
                    .containsExactly("orders:read", "orders:write");
                assertThat(accepted.claims().expiresAt()).isEqualTo(NOW.plus(Duration.ofHours(1)));
                assertThat(accepted.claims().jti()).isEqualTo("AAECAwQFBgcICQoLDA0ODw");
                assertThat(accepted.claims().statusIndex()).isEqualTo(3);
                assertThat(accepted.claims().statusUri()).isEqualTo(STATUS_URI);
              });
    }
  }

  @Test
  void singleAudienceWrittenAsAStringIsAccepted() throws Exception {
    // nimbus writes a one-element audience as a plain string, which RFC 7519 allows.
    String token = sign(nimbusKeys().get(0), ourClaims(List.of("orders"), 3));

    assertThat(verifier.verify(token).isAccepted()).isTrue();
  }

  @Test
  void revokedIndexInThePublishedStatusListIsRejected() throws Exception {
    String token = sign(nimbusKeys().get(1), ourClaims(List.of("orders"), REVOKED_INDEX));

    assertThat(verifier.verify(token).rejection()).contains(Rejection.REVOKED);
  }

  @Test
  void otherAudienceOrIssuerIsRejected() throws Exception {
    OctetKeyPair key = nimbusKeys().get(1);
    JWTClaimsSet otherIssuer =
        new JWTClaimsSet.Builder(ourClaims(List.of("orders"), 3)).issuer("https://x").build();

    assertThat(verifier.verify(sign(key, ourClaims(List.of("billing"), 3))).rejection())
        .contains(Rejection.WRONG_AUDIENCE);
    assertThat(verifier.verify(sign(key, otherIssuer)).rejection())
        .contains(Rejection.WRONG_ISSUER);
  }
}
