package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.denylist.RevokedToken;
import dev.apitoken.operator.publish.TrustPublisher;
import dev.apitoken.operator.store.RevocationLedgerStore;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;

/** Revocations recorded in the ledger ConfigMap and published by the trust publisher. */
public final class PublishedRevocations implements Revocations {
  private final RevocationLedgerStore ledger;
  private final TrustPublisher publisher;

  public PublishedRevocations(RevocationLedgerStore ledger, TrustPublisher publisher) {
    this.ledger = ledger;
    this.publisher = publisher;
  }

  @Override
  public CompletableFuture<Void> record(Collection<RevokedToken> tokens) {
    return ledger.revoke(tokens);
  }

  @Override
  public boolean isPublished(Collection<Long> indices) {
    return publisher.isPublished(indices);
  }

  @Override
  public int targetNamespaceCount() {
    return publisher.targetNamespaces().size();
  }
}
