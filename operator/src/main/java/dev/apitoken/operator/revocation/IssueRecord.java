package dev.apitoken.operator.revocation;

import java.time.Instant;

/**
 * A token of ours, by index: the one stored record of what was issued and what is revoked. Written
 * before the token reaches its Secret, so that revoking or deleting its ApiToken (found by {@code
 * ownerUid}) revokes it whatever the ApiToken's status says; marked {@code revoked} before a
 * revocation is reported. A revoked index whose token was never recorded (a bit recovered from our
 * own signed lists) has an unknown owner ({@link #UNKNOWN}). {@code forgotten}: revoked, and its
 * token provably expired, so no longer published; kept a while longer so that an older signed list
 * still showing the bit is not taken for a revocation the store lost.
 */
public record IssueRecord(
    long index,
    Instant expiresAt,
    String ownerUid,
    String namespace,
    String name,
    String jti,
    boolean revoked,
    boolean forgotten) {
  /** Owner, namespace, name or jti not known. */
  public static final String UNKNOWN = "-";

  public IssueRecord {
    if (index < 0 || index >= IndexSpace.CAPACITY) {
      throw new IllegalArgumentException("status-list index out of range: " + index);
    }
    if (ownerUid == null || ownerUid.isBlank() || ownerUid.contains(" ")) {
      throw new IllegalArgumentException("an issue record needs its owner's uid");
    }
    jti = jti == null || jti.isBlank() || jti.contains(" ") ? UNKNOWN : jti;
    revoked = revoked || forgotten;
  }

  public IssueRecord(
      long index,
      Instant expiresAt,
      String ownerUid,
      String namespace,
      String name,
      String jti,
      boolean revoked) {
    this(index, expiresAt, ownerUid, namespace, name, jti, revoked, false);
  }

  /** A revoked index known only by its bit: owner unknown, kept until {@code expiresAt}. */
  public static IssueRecord revokedUnowned(long index, Instant expiresAt) {
    return new IssueRecord(index, expiresAt, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, true);
  }

  public IssueRecord asRevoked() {
    return revoked ? this : new IssueRecord(index, expiresAt, ownerUid, namespace, name, jti, true);
  }

  IssueRecord asForgotten() {
    return new IssueRecord(index, expiresAt, ownerUid, namespace, name, jti, true, true);
  }

  /** Revoked and not yet forgotten: every published list shows it. */
  public boolean isPublishedRevoked() {
    return revoked && !forgotten;
  }

  /**
   * Both records of one index (an index is issued once) as one: the later expiry, a known owner, a
   * revocation from either; forgotten only when the record with the later expiry says so.
   */
  static IssueRecord merge(IssueRecord a, IssueRecord b) {
    if (a == null || a.equals(b)) {
      return b;
    }
    IssueRecord owner = UNKNOWN.equals(a.ownerUid()) ? b : a;
    Instant expiry = a.expiresAt().isAfter(b.expiresAt()) ? a.expiresAt() : b.expiresAt();
    boolean forgotten =
        (a.forgotten() && !a.expiresAt().isBefore(expiry))
            || (b.forgotten() && !b.expiresAt().isBefore(expiry));
    return new IssueRecord(
        a.index(),
        expiry,
        owner.ownerUid(),
        owner.namespace(),
        owner.name(),
        UNKNOWN.equals(owner.jti()) ? (owner == a ? b : a).jti() : owner.jti(),
        a.revoked() || b.revoked(),
        forgotten);
  }

  /**
   * One line of the stored form: {@code <index> <exp epoch s> <uid> <namespace>/<name> <jti> [R|X]}
   * (R revoked, X revoked and forgotten).
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
        + (forgotten ? " X" : revoked ? " R" : "");
  }

  static IssueRecord parseLine(String line) {
    String[] parts = line.split(" ");
    boolean marked = parts.length == 6 && (parts[5].equals("R") || parts[5].equals("X"));
    int slash = parts.length < 4 ? -1 : parts[3].indexOf('/');
    if (parts.length < 5 || (parts.length == 6 && !marked) || parts.length > 6 || slash < 0) {
      throw new IllegalArgumentException("not an issue record line");
    }
    return new IssueRecord(
        Long.parseLong(parts[0]),
        Instant.ofEpochSecond(Long.parseLong(parts[1])),
        parts[2],
        parts[3].substring(0, slash),
        parts[3].substring(slash + 1),
        parts[4],
        marked,
        marked && parts[5].equals("X"));
  }
}
