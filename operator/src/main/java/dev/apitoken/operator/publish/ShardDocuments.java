package dev.apitoken.operator.publish;

import dev.apitoken.format.status.StatusListDocument;
import dev.apitoken.format.status.StatusListToken;
import dev.apitoken.operator.revocation.IssueRecordShard;
import dev.apitoken.operator.revocation.RevokedRecords;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.token.SigningKey;
import dev.apitoken.operator.token.StatusListTokenSigner;
import dev.apitoken.operator.token.StatusListTokenSigner.SignedStatusList;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The files of each shard's copy, computed from the stored state and nothing else: the status-list
 * JSON (and {@code jwks.json} for shard 0), re-encoded only when its inputs changed, and the signed
 * Status List Token of the same bits, signed again only when the list, the claims or the key
 * changed or its heartbeat is due. No Kubernetes types: what a round writes is decided here.
 */
final class ShardDocuments {
  private final String statusListUri;
  private final StatusListTokenSigner signer;

  /** A shard's unsigned files as last computed, what they were computed from, and their digest. */
  private record CachedList(
      NavigableMap<Long, IssueRecordShard> inputs,
      long coverage,
      String jwks,
      Map<String, String> files,
      String sha) {
    boolean computedFrom(NavigableMap<Long, IssueRecordShard> from, long cov, String keys) {
      if (cov != coverage
          || !Objects.equals(keys, jwks)
          || !from.keySet().equals(inputs.keySet())) {
        return false;
      }
      // Shards are immutable: the same object is the same content.
      return from.entrySet().stream().allMatch(e -> inputs.get(e.getKey()) == e.getValue());
    }
  }

  private final Map<Integer, CachedList> lists = new ConcurrentHashMap<>();
  private final Map<Integer, SignedStatusList> tokens = new ConcurrentHashMap<>();

  ShardDocuments(String statusListUri, StatusListTokenSigner signer) {
    this.statusListUri = statusListUri;
    this.signer = signer;
  }

  /**
   * Shard {@code k}'s unsigned files ({@code jwks.json} for shard 0, the status-list JSON); one
   * revocation re-encodes one shard.
   */
  Map<String, String> unsignedFiles(
      int k, String jwksJson, RevokedRecords snapshot, long coverage) {
    NavigableMap<Long, IssueRecordShard> inputs = new TreeMap<>(snapshot.inputsOf(k));
    String jwks = k == 0 ? jwksJson : null;
    CachedList cached = lists.get(k);
    if (cached != null && cached.computedFrom(inputs, coverage, jwks)) {
      return cached.files();
    }
    Map<String, String> files =
        Map.copyOf(TrustDocument.shard(k, jwksJson, snapshot, coverage, statusListUri));
    lists.put(k, new CachedList(inputs, coverage, jwks, files, sha256(files.values())));
    return files;
  }

  /** A digest of shard {@code k}'s unsigned files as last computed (hex, 128 bits). */
  String digest(int k) {
    return lists.get(k).sha();
  }

  /**
   * Shard {@code k}'s files: {@code unsigned} plus the Status List Token of the same bits with
   * {@code claims}, signed by {@code key}. A token {@code foundInOwnCopy} gives is kept when it is
   * exactly what would be signed and fresh, so a restart rewrites nothing that is current.
   */
  Map<String, String> files(
      int k,
      Map<String, String> unsigned,
      SigningKey key,
      StatusListToken.Signed claims,
      Supplier<String> foundInOwnCopy) {
    StatusListDocument document =
        StatusListDocument.parse(unsigned.get(TrustDocument.statusListKey(k)));
    SignedStatusList token = tokens.get(k);
    if (token == null
        || !token.lst().equals(document.lst())
        || !token.claims().equals(claims)
        || !token.kid().equals(key.kid())
        || signer.due(token.issuedAt())) {
      token =
          signer
              .adopt(
                  foundInOwnCopy.get(),
                  document.uri(),
                  document.bits(),
                  document.lst(),
                  claims,
                  key)
              .orElseGet(
                  () -> signer.sign(document.uri(), document.bits(), document.lst(), claims, key));
      tokens.put(k, token);
    }
    Map<String, String> files = new TreeMap<>(unsigned);
    files.put(TrustDocument.statusListTokenKey(k), token.compact());
    return files;
  }

  /** True when a Status List Token signed earlier is due for its heartbeat re-signing. */
  boolean heartbeatDue() {
    return tokens.values().stream().anyMatch(t -> signer.due(t.issuedAt()));
  }

  private static String sha256(Collection<String> texts) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (String text : new TreeSet<>(texts)) {
        digest.update(text.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
      }
      return HexFormat.of().formatHex(digest.digest(), 0, 16);
    } catch (NoSuchAlgorithmException impossible) {
      throw new IllegalStateException(impossible);
    }
  }
}
