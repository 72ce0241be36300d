package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.denylist.RevokedToken;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;

/** Where the reconciler records revocations and learns whether workloads can see them. */
public interface Revocations {
  /** Completes once the tokens are in the authoritative ledger. */
  CompletableFuture<Void> record(Collection<RevokedToken> tokens);

  /** True once every index is revoked in the trust ConfigMap of every target namespace. */
  boolean isPublished(Collection<Long> indices);

  /** How many namespaces receive the trust ConfigMap, for messages. */
  int targetNamespaceCount();
}
