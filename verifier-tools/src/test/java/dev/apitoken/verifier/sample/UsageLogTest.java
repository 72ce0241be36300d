package dev.apitoken.verifier.sample;

import static dev.apitoken.verifier.HostileText.HOSTILE_KID;
import static dev.apitoken.verifier.HostileText.KEY;
import static dev.apitoken.verifier.HostileText.assertSafe;
import static dev.apitoken.verifier.HostileText.tokenWithKid;
import static dev.apitoken.verifier.TokenFactory.ISSUER;
import static dev.apitoken.verifier.TokenFactory.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.format.UntrustedText;
import dev.apitoken.verifier.Rejection;
import dev.apitoken.verifier.TestKey;
import dev.apitoken.verifier.TokenFactory;
import dev.apitoken.verifier.TokenVerifier;
import dev.apitoken.verifier.Verdict;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 9 item 8: a hostile kid cannot forge or flood the sample service's usage log. */
class UsageLogTest {
  @Test
  void anUnknownHostileKidReachesTheUsageLogBoundedAndEscaped() {
    List<String> usage = new ArrayList<>();
    TokenVerifier verifier =
        TokenVerifier.builder()
            .trust(TestKey.jwks(KEY), TokenFactory.statusListJson())
            .expectedIssuer(ISSUER)
            .clock(Clock.fixed(NOW, ZoneOffset.UTC))
            .listener(new UsageLog(usage::add))
            .build();

    Verdict verdict = verifier.verify(tokenWithKid(HOSTILE_KID));

    assertThat(verdict.rejection()).contains(Rejection.UNKNOWN_KEY);
    assertSafe(verdict.kid(), UntrustedText.DEFAULT_MAX_LENGTH);
    assertThat(verdict.kid()).startsWith("x\\u2028usage verdict=VALID").endsWith(" chars)");
    assertThat(usage).singleElement().satisfies(line -> assertSafe(line, 300));
    assertThat(usage.get(0))
        .startsWith("usage verdict=REJECTED reason=UNKNOWN_KEY kid=\"x\\\\u2028usage");
  }
}
