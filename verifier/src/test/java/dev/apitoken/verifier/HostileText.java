package dev.apitoken.verifier;

import static dev.apitoken.verifier.TokenFactory.claims;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 9 item 8's attack and the check every text it reaches must pass. Public because the
 * verifier tools (usage log, {@code verify} CLI) face the same values in their own module.
 */
public final class HostileText {
  public static final TestKey KEY = TestKey.fromSeed(1);
  static final TestKey UNKNOWN = TestKey.fromSeed(99);

  /** The attack of the issue: 5,000+ characters with raw line separators, forging a usage line. */
  public static final String HOSTILE_KID =
      "x\u2028usage verdict=VALID sub=admin\u0085\r\n\u001b[2J\u202e"
          + "A".repeat(5_000)
          + "\u2028";

  private HostileText() {}

  /** A token signed by a key nobody trusts, whose header carries {@code kid} unescaped. */
  public static String tokenWithKid(String kid) {
    String header = "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":" + jsonString(kid) + "}";
    return new TokenFactory(UNKNOWN).token(header, claims(3).toJson());
  }

  private static String jsonString(String value) {
    StringBuilder out = new StringBuilder("\"");
    // Raw, as the attacker sends them; JSON only insists on escaping the C0 controls.
    value.chars().forEach(c -> out.append(c < ' ' ? String.format("\\u%04x", c) : (char) c));
    return out.append('"').toString();
  }

  public static void assertSafe(String text, int maxLength) {
    assertThat(text.length()).isLessThanOrEqualTo(maxLength);
    assertThat(text.chars()).allMatch(c -> c >= ' ' && c <= '~', "printable ASCII");
  }
}
