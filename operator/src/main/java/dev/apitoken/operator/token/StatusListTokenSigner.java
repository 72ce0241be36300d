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
      String compact,
      String kid,
      String sub,
      int bits,
      String lst,
      StatusListToken.Signed claims,
      Instant issuedAt) {}

  /**
   * Signs {@code lst} ({@code bits} bits per token) as the list published at {@code sub}, with the
   * signed private claims {@code claims} (publication version, reservation, revoked keys).
   */
  public SignedStatusList sign(
      String sub, int bits, String lst, StatusListToken.Signed claims, SigningKey key) {
    Instant issuedAt = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    String compact = compact(sub, bits, lst, claims, key, issuedAt);
    return new SignedStatusList(compact, key.kid(), sub, bits, lst, claims, issuedAt);
  }

  private String compact(
      String sub,
      int bits,
      String lst,
      StatusListToken.Signed claims,
      SigningKey key,
      Instant issuedAt) {
    String signingInput =
        Base64Url.encode(StatusListToken.writeHeader(key.kid()))
            + "."
            + Base64Url.encode(payloadJson(sub, bits, lst, claims, issuedAt));
    byte[] signature = key.sign(signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + Base64Url.encode(signature);
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
      String compact,
      String sub,
      int bits,
      String lst,
      StatusListToken.Signed claims,
      SigningKey key) {
    if (compact == null) {
      return Optional.empty();
    }
    Instant issuedAt;
    try {
      // Only its iat is taken from it, to sign the same bytes again and compare: nothing it says is
      // believed unless our key gives exactly this token.
      issuedAt = Instant.ofEpochSecond(StatusListToken.readUnverified(compact).issuedAt());
    } catch (StatusListTokenException malformed) {
      return Optional.empty();
    }
    if (!compact(sub, bits, lst, claims, key, issuedAt).equals(compact) || due(issuedAt)) {
      return Optional.empty();
    }
    return Optional.of(new SignedStatusList(compact, key.kid(), sub, bits, lst, claims, issuedAt));
  }

  private byte[] payloadJson(
      String sub, int bits, String lst, StatusListToken.Signed claims, Instant issuedAt) {
    return StatusListToken.writePayload(
        sub,
        issuedAt.getEpochSecond(),
        issuedAt.plus(validity).getEpochSecond(),
        ttl.toSeconds(),
        bits,
        lst,
        claims);
  }
}
