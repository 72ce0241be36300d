package dev.apitoken.operator.token;

import dev.apitoken.format.Base64Url;
import dev.apitoken.format.status.StatusListToken;
import dev.apitoken.format.status.StatusListTokenException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;

/**
 * Signs Status List Tokens (draft-ietf-oauth-status-list, JWT form): the header and payload {@link
 * StatusListToken} writes (the wire format's one definition, which verifiers read), signed with
 * Ed25519. The same list, key and second always give the same bytes.
 */
public final class StatusListTokenSigner {
  private final Duration validity;
  private final Duration ttl;
  private final Clock clock;

  /**
   * @param validity {@code exp - iat}; the list is re-signed after a quarter of it
   * @param ttl the draft's caching hint: how long a consumer may use a fetched list
   */
  public StatusListTokenSigner(Duration validity, Duration ttl, Clock clock) {
    this.validity = Objects.requireNonNull(validity, "validity");
    this.ttl = Objects.requireNonNull(ttl, "ttl");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (validity.toSeconds() < 4 || ttl.toSeconds() < 1) {
      throw new IllegalArgumentException("validity must be at least 4 s and ttl at least 1 s");
    }
  }

  /** A signed list, and what it says. */
  public record SignedStatusList(
      String compact, String kid, String sub, int bits, String lst, Instant issuedAt) {}

  /** Signs {@code lst} ({@code bits} bits per token) as the list published at {@code sub}. */
  public SignedStatusList sign(String sub, int bits, String lst, SigningKey key) {
    Instant issuedAt = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    String signingInput =
        Base64Url.encode(StatusListToken.writeHeader(key.kid()))
            + "."
            + Base64Url.encode(payloadJson(sub, bits, lst, issuedAt));
    byte[] signature = key.sign(signingInput.getBytes(StandardCharsets.US_ASCII));
    return new SignedStatusList(
        signingInput + "." + Base64Url.encode(signature), key.kid(), sub, bits, lst, issuedAt);
  }

  /** The heartbeat: a list signed at {@code issuedAt} is re-signed from this instant on. */
  public Instant resignAt(Instant issuedAt) {
    return issuedAt.plus(validity.dividedBy(4));
  }

  /** True once a list signed at {@code issuedAt} is due for re-signing (or from the future). */
  public boolean due(Instant issuedAt) {
    Instant now = clock.instant();
    return !now.isBefore(resignAt(issuedAt)) || issuedAt.isAfter(now.plusSeconds(60));
  }

  /**
   * {@code compact} read back, when it is exactly what {@link #sign} would give for this list, key
   * and configuration at its own {@code iat} (so a restarted operator keeps the copies it finds
   * instead of rewriting every one), and not yet {@link #due}.
   */
  public Optional<SignedStatusList> adopt(
      String compact, String sub, int bits, String lst, SigningKey key) {
    if (compact == null) {
      return Optional.empty();
    }
    Optional<Contents> read = read(compact);
    if (read.isEmpty()) {
      return Optional.empty();
    }
    Instant issuedAt = read.get().issuedAt();
    String signingInput =
        Base64Url.encode(StatusListToken.writeHeader(key.kid()))
            + "."
            + Base64Url.encode(payloadJson(sub, bits, lst, issuedAt));
    String expected =
        signingInput
            + "."
            + Base64Url.encode(key.sign(signingInput.getBytes(StandardCharsets.US_ASCII)));
    if (!expected.equals(compact) || due(issuedAt)) {
      return Optional.empty();
    }
    return Optional.of(new SignedStatusList(compact, key.kid(), sub, bits, lst, issuedAt));
  }

  /** What a Status List Token says, read without checking its signature. */
  public record Contents(int bits, String lst, Instant issuedAt) {}

  /**
   * The {@code status_list} and {@code iat} of a Status List Token, read by the wire format's rules
   * without checking the signature (the caller only ever adds revocations from it); empty when it
   * is not a well-formed Status List Token.
   */
  public static Optional<Contents> read(String compact) {
    try {
      StatusListToken token = StatusListToken.readUnverified(compact);
      return Optional.of(
          new Contents(token.bits(), token.lst(), Instant.ofEpochSecond(token.issuedAt())));
    } catch (StatusListTokenException malformed) {
      return Optional.empty();
    }
  }

  private byte[] payloadJson(String sub, int bits, String lst, Instant issuedAt) {
    return StatusListToken.writePayload(
        sub,
        issuedAt.getEpochSecond(),
        issuedAt.plus(validity).getEpochSecond(),
        ttl.toSeconds(),
        bits,
        lst);
  }
}
