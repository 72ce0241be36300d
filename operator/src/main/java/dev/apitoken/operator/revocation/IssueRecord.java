package dev.apitoken.operator.revocation;

import java.time.Instant;

/**
 * A token as issued, by reference: written before the token reaches its Secret, so that revoking or
 * deleting its ApiToken (found by {@code ownerUid}) revokes it whatever the ApiToken's status says.
 * {@code revoked} marks a recorded revocation: a second, independent copy of the ledger's bit.
 */
public record IssueRecord(
    long index,
    Instant expiresAt,
    String ownerUid,
    String namespace,
    String name,
    String jti,
    boolean revoked) {
  public IssueRecord {
    if (index < 0 || index >= IndexSpace.CAPACITY) {
      throw new IllegalArgumentException("status-list index out of range: " + index);
    }
    if (ownerUid == null || ownerUid.isBlank() || ownerUid.contains(" ")) {
      throw new IllegalArgumentException("an issue record needs its owner's uid");
    }
    jti = jti == null || jti.isBlank() || jti.contains(" ") ? "-" : jti;
  }

  public IssueRecord asRevoked() {
    return revoked ? this : new IssueRecord(index, expiresAt, ownerUid, namespace, name, jti, true);
  }

  public RevokedToken asRevokedToken() {
    return new RevokedToken(index, expiresAt);
  }

  /**
   * One line of the stored form: {@code <index> <exp epoch s> <uid> <namespace>/<name> <jti> [R]}.
   */
  String toLine() {
    return index
        + " "
        + expiresAt.getEpochSecond()
        + " "
        + ownerUid
        + " "
        + namespace
        + "/"
        + name
        + " "
        + jti
        + (revoked ? " R" : "");
  }

  static IssueRecord parseLine(String line) {
    String[] parts = line.split(" ");
    if (parts.length < 5 || parts.length > 6 || (parts.length == 6 && !parts[5].equals("R"))) {
      throw new IllegalArgumentException("not an issue record line");
    }
    int slash = parts[3].indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("not an issue record line");
    }
    return new IssueRecord(
        Long.parseLong(parts[0]),
        Instant.ofEpochSecond(Long.parseLong(parts[1])),
        parts[2],
        parts[3].substring(0, slash),
        parts[3].substring(slash + 1),
        parts[4],
        parts.length == 6);
  }
}
