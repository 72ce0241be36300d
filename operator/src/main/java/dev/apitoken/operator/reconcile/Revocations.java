package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.revocation.IssueRecord;
import dev.apitoken.operator.store.ShardedStore;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** Where the reconciler records issued and revoked tokens, and learns what workloads can see. */
public interface Revocations {
  /** Completes once the tokens are stored as revoked in the revocation store. */
  CompletableFuture<Void> record(Collection<IssueRecord> tokens);

  /** Completes once the issue record is stored: only then may the token reach its Secret. */
  CompletableFuture<Void> recordIssued(IssueRecord token);

  /** Whether an issue record exists for this index. */
  boolean isRecorded(long index);

  /** Whether this index is revoked in the stored revocation state (every verifier rejects it). */
  boolean isRevoked(long index);

  /** Every token recorded as issued for the ApiToken with this uid. */
  List<IssueRecord> issuedTo(String ownerUid);

  /** Why storing state for these indices is failing, if it is. */
  Optional<ShardedStore.Failure> failure(Collection<Long> indices);

  /** True once every index is revoked in the trust ConfigMaps of every target namespace. */
  boolean isPublished(Collection<Long> indices);

  /**
   * True once every index is revoked in the operator namespace's copies and in those of every
   * target namespace that accepts writes: a namespace refusing its copy holds up no deletion.
   */
  boolean isPublishedWhereWritable(Collection<Long> indices);

  /** Target namespaces refusing their trust copy, with the API server's answer (for messages). */
  java.util.Map<String, String> refusingNamespaces();

  /** How many namespaces receive the trust ConfigMap, for messages. */
  int targetNamespaceCount();
}
