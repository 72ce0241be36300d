package dev.apitoken.verifier;

import dev.apitoken.verifier.status.StatusList;
import dev.apitoken.verifier.status.StatusListDocument;
import dev.apitoken.verifier.status.StatusListFormatException;
import dev.apitoken.verifier.status.StatusListShards;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Everything a verification trusts, read completely before it is used and never changed after: a
 * reload builds a new one and swaps a single reference, so a verification sees either the old keys
 * and lists or the new ones, never a mix.
 */
final class TrustState {
  /** What {@link #status(long, String)} returns when the status cannot be looked up. */
  static final int STATUS_UNKNOWN = -1;

  private final Map<String, TrustedKey> keys;
  // By shard; null where that shard's file is absent.
  private final StatusList[] shards;
  private final String[] uris;

  private TrustState(Map<String, TrustedKey> keys, StatusList[] shards, String[] uris) {
    this.keys = keys;
    this.shards = shards;
    this.uris = uris;
  }

  /**
   * Parses the trust documents of a verifier without shard files.
   *
   * @param jwksJson the {@code jwks.json} content
   * @param statusListJson the {@code status-list.json} content, or null when there is none (every
   *     token is then {@link Rejection#STATUS_UNKNOWN})
   * @throws TrustLoadException when a document is malformed
   */
  static TrustState parse(String jwksJson, String statusListJson) {
    String[] statusLists = new String[StatusListShards.MAX_SHARDS];
    statusLists[0] = statusListJson;
    return parse(jwksJson, Arrays.asList(statusLists));
  }

  /**
   * Parses the trust documents.
   *
   * @param jwksJson the {@code jwks.json} content
   * @param statusListJsons the status list file of each shard ({@link StatusListShards}), index =
   *     shard, null where absent (a token of that shard is then {@link Rejection#STATUS_UNKNOWN})
   * @throws TrustLoadException when a document is malformed: one bad shard fails them all
   */
  static TrustState parse(String jwksJson, List<String> statusListJsons) {
    if (jwksJson == null) {
      throw new TrustLoadException("jwks.json is missing");
    }
    if (statusListJsons.size() > StatusListShards.MAX_SHARDS) {
      throw new IllegalArgumentException("at most " + StatusListShards.MAX_SHARDS + " shards");
    }
    Map<String, TrustedKey> keys;
    try {
      keys = Jwks.parse(jwksJson);
    } catch (TrustLoadException e) {
      throw new TrustLoadException("jwks.json: " + e.getMessage(), e);
    }
    StatusList[] shards = new StatusList[StatusListShards.MAX_SHARDS];
    String[] uris = new String[StatusListShards.MAX_SHARDS];
    for (int shard = 0; shard < statusListJsons.size(); shard++) {
      String json = statusListJsons.get(shard);
      if (json == null) {
        continue;
      }
      try {
        StatusListDocument document = StatusListDocument.parse(json);
        shards[shard] = StatusList.decodeShard(document.bits(), document.lst(), shard);
        uris[shard] = document.uri();
      } catch (StatusListFormatException e) {
        throw new TrustLoadException(StatusListShards.fileName(shard) + ": " + e.getMessage(), e);
      }
    }
    return new TrustState(keys, shards, uris);
  }

  TrustedKey key(String kid) {
    return keys.get(kid);
  }

  /**
   * The status of token {@code idx} of the list {@code uri}: looked up in the file of the shard
   * that holds {@code idx}, whose {@code uri} must be the token's. {@link #STATUS_UNKNOWN} when
   * {@code idx} is beyond every shard, that shard's file is absent, its uri differs, or its list
   * ends before {@code idx}.
   */
  int status(long idx, String uri) {
    int shard = StatusListShards.shardOf(idx);
    if (shard < 0 || shards[shard] == null || !uris[shard].equals(uri)) {
      return STATUS_UNKNOWN;
    }
    StatusList list = shards[shard];
    return idx < list.size() ? list.get(idx) : STATUS_UNKNOWN;
  }

  /** For logs: which keys and lists are loaded. */
  String describe() {
    StringBuilder out = new StringBuilder("keys ").append(new TreeSet<>(keys.keySet()));
    boolean any = false;
    for (int shard = 0; shard < shards.length; shard++) {
      StatusList list = shards[shard];
      if (list == null) {
        continue;
      }
      out.append(", ");
      if (shard == 0) {
        out.append("status list ").append(UntrustedText.escape(uris[0]));
        out.append(" (").append(list.size()).append(" entries)");
      } else {
        out.append(StatusListShards.fileName(shard));
        if (!uris[shard].equals(uris[0])) {
          out.append(" of ").append(UntrustedText.escape(uris[shard]));
        }
        out.append(" (indices ").append(list.firstIndex()).append(" to ").append(list.size());
        out.append(')');
      }
      any = true;
    }
    return any ? out.toString() : out.append(", no status list").toString();
  }
}
