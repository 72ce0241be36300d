package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.publish.TrustPublisher;
import dev.apitoken.operator.revocation.IssueRecord;
import dev.apitoken.operator.store.RevocationStore;
import dev.apitoken.operator.store.ShardedStore;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** Tokens recorded in the revocation store, and published by the trust publisher. */
public final class PublishedRevocations implements Revocations {
  private final Supplier<RevocationStore> store;
  private final Supplier<TrustPublisher> publisher;

  public PublishedRevocations(Supplier<RevocationStore> store, Supplier<TrustPublisher> publisher) {
    this.store = store;
    this.publisher = publisher;
  }

  @Override
  public CompletableFuture<Void> record(Collection<IssueRecord> tokens) {
    return store.get().revoke(tokens);
  }

  @Override
  public CompletableFuture<Void> recordIssued(IssueRecord token) {
    return store.get().record(List.of(token));
  }

  @Override
  public boolean isRecorded(long index) {
    return store.get().has(index);
  }

  @Override
  public boolean isRevoked(long index) {
    return store.get().durable().isRevoked(index);
  }

  @Override
  public List<IssueRecord> issuedTo(String ownerUid) {
    return store.get().forOwner(ownerUid);
  }

  @Override
  public Optional<ShardedStore.Failure> failure(Collection<Long> indices) {
    return store.get().failure(indices);
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
