package dev.apitoken.operator.revocation;

import java.time.Instant;

/** A revoked token by reference: its status-list index and when it expires anyway. */
public record RevokedToken(long index, Instant expiresAt) {
  public RevokedToken {
    if (index < 0) {
      throw new IllegalArgumentException("a status-list index is never negative: " + index);
    }
  }
}
