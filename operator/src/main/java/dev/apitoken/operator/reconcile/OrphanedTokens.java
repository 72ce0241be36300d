package dev.apitoken.operator.reconcile;

import static net.logstash.logback.argument.StructuredArguments.kv;

import dev.apitoken.operator.revocation.IndexSpace;
import dev.apitoken.operator.revocation.IssueRecord;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Revokes tokens whose ApiToken no longer exists but was never revoked: its finalizer was stripped,
 * or its namespace was deleted, while the operator was not looking. Records are read before the
 * ApiTokens are listed, so a token issued for an ApiToken created meanwhile is never mistaken for
 * an orphan.
 */
public final class OrphanedTokens {
  private static final Logger LOG = LoggerFactory.getLogger(OrphanedTokens.class);

  private final Supplier<List<IssueRecord>> records;
  private final Supplier<Set<String>> liveOwnerUids;
  private final Revocations revocations;
  private final Clock clock;

  /**
   * @param liveOwnerUids uids of every ApiToken that exists now, read from the API (not a cache);
   *     throws when it cannot be read, and then nothing is revoked
   */
  public OrphanedTokens(
      Supplier<List<IssueRecord>> records,
      Supplier<Set<String>> liveOwnerUids,
      Revocations revocations,
      Clock clock) {
    this.records = records;
    this.liveOwnerUids = liveOwnerUids;
    this.revocations = revocations;
    this.clock = clock;
  }

  /**
   * @return the tokens found orphaned and sent to be revoked
   */
  public int sweep() {
    List<IssueRecord> snapshot = records.get();
    Instant now = clock.instant();
    Set<String> live = liveOwnerUids.get();
    List<IssueRecord> orphans =
        snapshot.stream()
            .filter(r -> !r.revoked())
            .filter(r -> !live.contains(r.ownerUid()))
            .filter(r -> r.expiresAt().plus(IndexSpace.RETENTION_AFTER_EXPIRY).isAfter(now))
            .toList();
    if (!orphans.isEmpty()) {
      orphans.forEach(
          r ->
              LOG.warn(
                  "{} {} {} {} {}",
                  kv("event", "orphaned_token_revoked"),
                  kv("apitoken", r.namespace() + "/" + r.name()),
                  kv("uid", r.ownerUid()),
                  kv("index", r.index()),
                  kv("expires_at", r.expiresAt())));
      revocations.record(orphans);
      AuditLog.orphansRevoked(orphans.size());
    }
    return orphans.size();
  }
}
