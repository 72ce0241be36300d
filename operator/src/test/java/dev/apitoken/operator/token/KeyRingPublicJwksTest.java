package dev.apitoken.operator.token;

import static dev.apitoken.operator.token.Fixtures.RFC8037_KID;
import static dev.apitoken.operator.token.Fixtures.RFC8037_X;
import static dev.apitoken.operator.token.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import dev.apitoken.format.Jwks;
import dev.apitoken.format.TrustedKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeyRingPublicJwksTest {

  @Test
  void writesTheContractFormat() {
    KeyRing ring = new KeyRing(List.of(Fixtures.rfc8037Key(T0)));

    assertThat(ring.publicJwks())
        .isEqualTo(
            "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\""
                + RFC8037_KID
                + "\",\"x\":\""
                + RFC8037_X
                + "\",\"use\":\"sig\",\"alg\":\"EdDSA\"}]}");
  }

  @Test
  void listsEveryKeySortedByKidWithoutPrivateParts() throws Exception {
    KeyRing ring = ringWithKeys(4);

    String json = ring.publicJwks();
    JWKSet set = JWKSet.parse(json);

    List<String> kids = set.getKeys().stream().map(JWK::getKeyID).toList();
    assertThat(kids).isSorted().hasSize(4);
    assertThat(kids)
        .containsExactlyInAnyOrderElementsOf(ring.keys().stream().map(SigningKey::kid).toList());
    assertThat(set.getKeys()).noneMatch(JWK::isPrivate);
    assertThat(json).doesNotContain("\"d\"").doesNotContain(" ");
    for (SigningKey key : ring.keys()) {
      assertThat(json).doesNotContain(key.d());
    }
  }

  @Test
  void nimbusFindsEachKeyByKid() throws Exception {
    KeyRing ring = ringWithKeys(3);
    JWKSet set = JWKSet.parse(ring.publicJwks());

    for (SigningKey key : ring.keys()) {
      OctetKeyPair jwk = (OctetKeyPair) set.getKeyByKeyId(key.kid());
      assertThat(jwk).isNotNull();
      assertThat(jwk.getDecodedX()).isEqualTo(key.publicKey());
      assertThat(jwk.computeThumbprint().toString()).isEqualTo(key.kid());
      assertThat(jwk.getKeyUse().identifier()).isEqualTo("sig");
      assertThat(jwk.getAlgorithm().getName()).isEqualTo("EdDSA");
    }
  }

  @Test
  void theVerifiersParserReadsBackEveryKey() {
    KeyRing ring = ringWithKeys(3);

    Map<String, TrustedKey> parsed = Jwks.parse(ring.publicJwks());

    assertThat(parsed.keySet())
        .containsExactlyInAnyOrderElementsOf(ring.keys().stream().map(SigningKey::kid).toList());
    for (SigningKey key : ring.keys()) {
      assertThat(parsed.get(key.kid()).sameKeyAs(ring.verificationKey(key.kid()).orElseThrow()))
          .isTrue();
    }
  }

  @Test
  void isDeterministic() {
    KeyRing ring = ringWithKeys(3);
    List<SigningKey> reversed = new ArrayList<>(ring.keys());
    Collections.reverse(reversed);
    KeyRing reordered = new KeyRing(reversed);

    assertThat(ring.publicJwks()).isEqualTo(reordered.publicJwks());
  }

  private static KeyRing ringWithKeys(int count) {
    SeededSecureRandom random = new SeededSecureRandom(count);
    Duration period = Duration.ofDays(1);
    KeyRing ring = KeyRing.create(T0, random);
    for (int day = 1; day < count; day++) {
      ring = ring.rotateIfDue(T0.plus(period.multipliedBy(day)), period, random);
    }
    return ring;
  }
}
