package dev.apitoken.operator.token;

import static dev.apitoken.operator.token.Fixtures.STATUS_URI;
import static dev.apitoken.operator.token.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apitoken.format.TokenClaims;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class TokenIssuerTest {

  private final SeededSecureRandom random = new SeededSecureRandom(21);
  private final AtomicReference<KeyRing> ring = new AtomicReference<>(KeyRing.create(T0, random));
  private final IndexAllocator indices = new IndexAllocator(new InMemoryIndexBlockStore(), 10);
  private final DesiredToken desired =
      Fixtures.desired(List.of("read", "write"), Duration.ofHours(24), Duration.ofHours(8));

  private TokenIssuer issuerAt(Clock clock) {
    return new TokenIssuer(STATUS_URI, () -> ring.get().activeKey(), indices, random, clock);
  }

  @Test
  void issuesAVerifiableTokenForTheDesiredClaims() {
    Clock clock = Clock.fixed(T0.plusMillis(1_750), ZoneOffset.UTC);

    SignedToken token = issuerAt(clock).issue(desired);

    TokenClaims claims = token.claims();
    assertThat(claims.issuer()).isEqualTo(desired.issuer());
    assertThat(claims.subject()).isEqualTo(desired.subject());
    assertThat(claims.audiences()).isEqualTo(desired.audiences());
    assertThat(claims.scopes()).containsExactly("read", "write");
    assertThat(claims.issuedAt()).isEqualTo(T0.plusSeconds(1));
    assertThat(claims.notBefore()).isEqualTo(claims.issuedAt());
    assertThat(claims.expiresAt()).isEqualTo(T0.plusSeconds(1).plus(Duration.ofHours(24)));
    assertThat(claims.jti()).hasSize(22);
    assertThat(claims.statusIndex()).isZero();
    assertThat(claims.statusUri()).isEqualTo(STATUS_URI);
    assertThat(token.kid()).isEqualTo(ring.get().activeKey().kid());
    assertThat(TokenReader.verify(token.value(), ring.get())).contains(claims);
  }

  @Test
  void everyTokenGetsAFreshJtiAndIndex() {
    TokenIssuer issuer = issuerAt(Clock.fixed(T0, ZoneOffset.UTC));

    SignedToken first = issuer.issue(desired);
    SignedToken second = issuer.issue(desired);

    assertThat(second.claims().jti()).isNotEqualTo(first.claims().jti());
    assertThat(second.claims().statusIndex()).isEqualTo(first.claims().statusIndex() + 1);
    assertThat(second.value()).isNotEqualTo(first.value());
  }

  @Test
  void signsWithTheKeyThatIsActiveWhenIssuing() {
    TokenIssuer issuer = issuerAt(Clock.fixed(T0, ZoneOffset.UTC));
    String firstKid = issuer.issue(desired).kid();

    Duration period = Duration.ofDays(30);
    ring.set(ring.get().rotateIfDue(T0.plus(period), period, random));

    assertThat(issuer.issue(desired).kid())
        .isNotEqualTo(firstKid)
        .isEqualTo(ring.get().activeKey().kid());
  }

  @Test
  void desiredTokenRejectsARenewalWindowAsLongAsTheTtl() {
    assertThatThrownBy(() -> Fixtures.desired(List.of(), Duration.ofHours(1), Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("renewBefore (1h) must be shorter than ttl (1h)");
    assertThatThrownBy(() -> Fixtures.desired(List.of(), Duration.ZERO, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ttl");
    assertThatThrownBy(() -> Fixtures.desired(List.of(), Duration.ofMillis(1500), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("whole seconds");
  }

  @Test
  void aTokenNamesTheUriOfItsIndexShard() {
    IndexAllocator pastFirstShard =
        new IndexAllocator(new InMemoryIndexBlockStore((1L << 21) - 1), 10);
    TokenIssuer issuer =
        new TokenIssuer(
            STATUS_URI,
            () -> ring.get().activeKey(),
            pastFirstShard,
            random,
            Clock.fixed(T0, ZoneOffset.UTC));

    TokenClaims last = issuer.issue(desired).claims();
    TokenClaims next = issuer.issue(desired).claims();

    assertThat(last.statusIndex()).isEqualTo((1L << 21) - 1);
    assertThat(last.statusUri()).isEqualTo(STATUS_URI);
    assertThat(next.statusIndex()).isEqualTo(1L << 21);
    assertThat(next.statusUri()).isEqualTo(STATUS_URI + "/1");
  }
}
