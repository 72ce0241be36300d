package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.publish.TrustPublisher;
import dev.apitoken.operator.revocation.IssueRecord;
import dev.apitoken.operator.store.IssueRecordStore;
import dev.apitoken.operator.store.RevocationLedgerStore;
import dev.apitoken.operator.store.ShardedStore;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Revocations recorded twice, in the ledger shards and as marks on the issue records, and published
 * by the trust publisher: either record alone is enough to restore the other.
 */
public final class PublishedRevocations implements Revocations {
  private final Supplier<RevocationLedgerStore> ledger;
  private final Supplier<IssueRecordStore> records;
  private final Supplier<TrustPublisher> publisher;

  public PublishedRevocations(
      Supplier<RevocationLedgerStore> ledger,
      Supplier<IssueRecordStore> records,
      Supplier<TrustPublisher> publisher) {
    this.ledger = ledger;
    this.records = records;
    this.publisher = publisher;
  }

  @Override
  public CompletableFuture<Void> record(Collection<IssueRecord> tokens) {
    return CompletableFuture.allOf(
        ledger.get().revoke(tokens.stream().map(IssueRecord::asRevokedToken).toList()),
        records.get().record(tokens.stream().map(IssueRecord::asRevoked).toList()));
  }

  @Override
  public CompletableFuture<Void> recordIssued(IssueRecord token) {
    return records.get().record(List.of(token));
  }

  @Override
  public boolean isRecorded(long index) {
    return records.get().has(index);
  }

  @Override
  public boolean isRevoked(long index) {
    return ledger.get().durable().isRevoked(index);
  }

  @Override
  public List<IssueRecord> issuedTo(String ownerUid) {
    return records.get().forOwner(ownerUid);
  }

  @Override
  public Optional<ShardedStore.Failure> failure(Collection<Long> indices) {
    return ledger.get().failure(indices).or(() -> records.get().failure(indices));
  }

  @Override
  public boolean isPublished(Collection<Long> indices) {
    return publisher.get().isPublished(indices);
  }

  @Override
  public boolean isPublishedWhereWritable(Collection<Long> indices) {
    return publisher.get().isPublishedWhereWritable(indices);
  }

  @Override
  public java.util.Map<String, String> refusingNamespaces() {
    return publisher.get().refusingNamespaces();
  }

  @Override
  public int targetNamespaceCount() {
    return publisher.get().targetNamespaces().size();
  }
}
