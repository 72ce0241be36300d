package dev.apitoken.operator.token;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Chars;

class TokenReaderProperties {

  private static final KeyRing RING =
      new KeyRing(List.of(SigningKey.generate(Fixtures.T0, new SeededSecureRandom(1))));

  @Property(tries = 300)
  void neverThrowsOnArbitraryStrings(@ForAll String token) {
    assertThat(TokenReader.parseUnverified(token)).isEmpty();
    assertThat(TokenReader.verify(token, RING)).isEmpty();
  }

  @Property(tries = 300)
  void neverThrowsOnTokenShapedStrings(
      @ForAll @Chars({'e', 'y', 'J', '9', 'A', '_', '-', '.', '='}) String token) {
    assertThat(TokenReader.verify(token, RING)).isEmpty();
  }
}
