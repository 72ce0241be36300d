package dev.apitoken.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The JWKS writer and the strict reader are one definition of {@code jwks.json}. */
class JwksTest {

  @Test
  void theReaderAcceptsExactlyWhatTheWriterWrites() {
    List<TestSigner> signers = List.of(new TestSigner(1), new TestSigner(2), new TestSigner(3));

    String json = Jwks.write(signers.stream().map(signer -> signer.publicKey).toList());
    Map<String, TrustedKey> parsed = Jwks.parse(json);

    assertThat(parsed).hasSize(3);
    for (TestSigner signer : signers) {
      assertThat(parsed.get(signer.kid()).sameKeyAs(signer.trustedKey())).isTrue();
    }
  }

  @Test
  void theSameKeysInAnyOrderGiveTheSameBytesSortedByKid() {
    TestSigner one = new TestSigner(1);
    TestSigner two = new TestSigner(2);

    String forward = Jwks.write(List.of(one.publicKey, two.publicKey));

    assertThat(Jwks.write(List.of(two.publicKey, one.publicKey))).isEqualTo(forward);
    String first = one.kid().compareTo(two.kid()) < 0 ? one.kid() : two.kid();
    assertThat(forward.indexOf(first)).isLessThan(forward.lastIndexOf("\"kid\""));
    assertThat(forward)
        .startsWith("{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"" + first + "\"")
        .doesNotContain(" ");
  }

  @Test
  void anEmptyRingIsAnEmptyKeySet() {
    assertThat(Jwks.write(List.of())).isEqualTo("{\"keys\":[]}");
    assertThat(Jwks.parse("{\"keys\":[]}")).isEmpty();
  }
}
