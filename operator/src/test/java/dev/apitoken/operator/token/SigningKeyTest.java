package dev.apitoken.operator.token;

import static dev.apitoken.operator.token.Fixtures.RFC8037_D;
import static dev.apitoken.operator.token.Fixtures.RFC8037_X;
import static dev.apitoken.operator.token.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apitoken.format.JwkThumbprint;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SigningKeyTest {

  @Test
  void generatesAnActiveKeyWhoseKidIsTheThumbprint() {
    SigningKey key = SigningKey.generate(T0, new SeededSecureRandom(1));

    assertThat(key.isActive()).isTrue();
    assertThat(key.retiredAt()).isNull();
    assertThat(key.createdAt()).isEqualTo(T0);
    assertThat(key.publicKey()).hasSize(32);
    assertThat(key.privateKey()).hasSize(32);
    assertThat(key.publicKey()).isEqualTo(Ed25519.publicKeyOf(key.privateKey()));
    assertThat(key.kid()).isEqualTo(JwkThumbprint.ed25519(key.publicKey()));
  }

  @Test
  void differentRandomnessGivesDifferentKeys() {
    SigningKey first = SigningKey.generate(T0, new SeededSecureRandom(1));
    SigningKey second = SigningKey.generate(T0, new SeededSecureRandom(2));

    assertThat(first.kid()).isNotEqualTo(second.kid());
  }

  @Test
  void retiringKeepsTheKeyMaterialAndRecordsWhen() {
    SigningKey key = SigningKey.generate(T0, new SeededSecureRandom(1));
    Instant later = T0.plusSeconds(3600);

    SigningKey retired = key.retire(later);

    assertThat(retired.isActive()).isFalse();
    assertThat(retired.retiredAt()).isEqualTo(later);
    assertThat(retired.kid()).isEqualTo(key.kid());
    assertThat(retired.privateKey()).isEqualTo(key.privateKey());
    assertThat(key.isActive()).as("the original is unchanged").isTrue();
  }

  @Test
  void equalityComparesArrayContents() {
    SigningKey key = Fixtures.rfc8037Key(T0);
    SigningKey same = Fixtures.rfc8037Key(T0);

    assertThat(key).isEqualTo(same).hasSameHashCodeAs(same);
    assertThat(key).isNotEqualTo(key.retire(T0));
    assertThat(key).isNotEqualTo(Fixtures.rfc8037Key(T0.plusSeconds(1)));
  }

  @Test
  void cannotBeChangedThroughItsArrays() {
    byte[] privateKey = Fixtures.base64url(RFC8037_D);
    SigningKey key =
        new SigningKey(Fixtures.RFC8037_KID, Fixtures.base64url(RFC8037_X), privateKey, T0, null);

    privateKey[0] ^= 1;
    key.privateKey()[1] ^= 1;
    key.publicKey()[1] ^= 1;

    assertThat(key).isEqualTo(Fixtures.rfc8037Key(T0));
  }

  @Test
  void toStringRedactsThePrivateKey() {
    SigningKey key = Fixtures.rfc8037Key(T0);

    assertThat(key.toString()).contains(key.kid()).contains("<redacted>").doesNotContain(RFC8037_D);
  }

  @Test
  void truncatesInstantsToSecondsAsTheKeyRingStoresThem() {
    SigningKey key = Fixtures.rfc8037Key(T0.plusMillis(1500)).retire(T0.plusMillis(2999));

    assertThat(key.createdAt()).isEqualTo(T0.plusSeconds(1));
    assertThat(key.retiredAt()).isEqualTo(T0.plusSeconds(2));
  }

  @Test
  void rejectsKeysOfTheWrongSize() {
    assertThatThrownBy(() -> new SigningKey("kid", new byte[31], new byte[32], T0, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("publicKey");
    assertThatThrownBy(() -> new SigningKey("kid", new byte[32], new byte[33], T0, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("privateKey");
  }
}
