package dev.apitoken.verifier.sample;

import dev.apitoken.format.UntrustedText;
import dev.apitoken.verifier.Verdict;
import dev.apitoken.verifier.VerdictListener;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * One usage line per verdict, for auditing who used which token: {@code usage verdict=VALID
 * sub=billing-client jti=... kid=...} or {@code usage verdict=REJECTED reason=REVOKED sub=...
 * jti=...}. Built from the {@link Verdict}, which never holds the token, so no line can leak one.
 * Claims of a rejected token appear only when its signature verified (see {@link
 * Verdict.Rejected}). Every value goes through {@link UntrustedText}: bounded, printable ASCII, so
 * neither an unverified {@code kid} nor a signed claim with line separators can forge a line.
 */
public final class UsageLog implements VerdictListener {
  /** The reason logged for a request that carried no bearer token at all. */
  public static final String NO_TOKEN = "NO_TOKEN";

  private final Consumer<String> sink;

  /**
   * @param sink receives each line; called on request threads, so it must be thread-safe ({@code
   *     System.out::println} is)
   */
  public UsageLog(Consumer<String> sink) {
    this.sink = Objects.requireNonNull(sink, "sink");
  }

  @Override
  public void onVerdict(Verdict verdict) {
    StringBuilder line = new StringBuilder(128).append("usage");
    if (verdict.isAccepted()) {
      line.append(" verdict=VALID");
    } else {
      line.append(" verdict=REJECTED reason=").append(verdict.rejection().orElseThrow());
    }
    append(line, "sub", verdict.subject());
    append(line, "jti", verdict.jti());
    append(line, "kid", verdict.kid());
    sink.accept(line.toString());
  }

  /** Logs a request that had no {@code Authorization: Bearer} header; no verdict exists for it. */
  void noToken() {
    sink.accept("usage verdict=REJECTED reason=" + NO_TOKEN);
  }

  private static void append(StringBuilder line, String name, String value) {
    if (value == null) {
      return;
    }
    value = UntrustedText.escape(value);
    line.append(' ').append(name).append('=');
    // A subject is free text: quote it when it would otherwise break the key=value layout.
    boolean plain = !value.isEmpty() && value.chars().allMatch(c -> c > ' ' && c != '"');
    if (plain) {
      line.append(value);
    } else {
      line.append('"');
      value
          .chars()
          .forEach(
              c -> {
                if (c == '"' || c == '\\') {
                  line.append('\\');
                }
                line.append((char) c);
              });
      line.append('"');
    }
  }
}
