package dev.apitoken.verifier;

import dev.apitoken.format.TrustFiles;
import dev.apitoken.format.TrustLoadException;
import dev.apitoken.format.TrustedKey;
import dev.apitoken.format.TrustedKeys;
import dev.apitoken.format.UntrustedText;
import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListDocument;
import dev.apitoken.format.status.StatusListFormatException;
import dev.apitoken.format.status.StatusListShards;
import dev.apitoken.format.status.StatusListToken;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * Everything a verification trusts, read completely before it is used and never changed after: a
 * reload builds a new one and swaps a single reference, so a verification sees either the old keys
 * and lists or the new ones, never a mix.
 *
 * <p>Signed lists (Status List Tokens) are known by their {@code sub} ({@link KnownStatusList},
 * kept across reloads by {@link StatusListLedger}); a token uses the list whose URI it names.
 * Unsigned {@code status-list.json} shard files (the legacy form, only when allowed) are held by
 * shard, as before: the shard of the token's index, whose {@code uri} must match. Either way, an
 * index ever seen revoked for that URI stays revoked.
 */
final class TrustState {
  /** The token's index is not covered by the list of its URI. */
  static final int STATUS_UNKNOWN = -1;

  /** No list is held for the token's URI. */
  static final int STATUS_MISSING = -2;

  /** The list of the token's URI says VALID but is stale. */
  static final int STATUS_STALE = -3;

  static final TrustState EMPTY =
      new TrustState(
          TrustedKeys.of(Map.of()),
          Map.of(),
          Map.of(),
          new StatusList[0],
          new String[0],
          List.of());

  private final TrustedKeys keys;
  // The signed lists of the files this was parsed from, by sub.
  private final Map<String, HeldStatusList> read;
  // What verifications use: every source's lists, by URI (see withLists).
  private final Map<String, KnownStatusList> lists;
  // By shard; null where that shard's unsigned file is absent or not allowed.
  private final StatusList[] unsigned;
  private final String[] unsignedUris;
  private final List<String> ignoredUnsigned;

  private TrustState(
      TrustedKeys keys,
      Map<String, HeldStatusList> read,
      Map<String, KnownStatusList> lists,
      StatusList[] unsigned,
      String[] unsignedUris,
      List<String> ignoredUnsigned) {
    this.keys = keys;
    this.read = read;
    this.lists = lists;
    this.unsigned = unsigned;
    this.unsignedUris = unsignedUris;
    this.ignoredUnsigned = ignoredUnsigned;
  }

  /**
   * In-memory trust given by the caller: a JWKS and optionally one unsigned {@code
   * status-list.json}, which the caller vouches for.
   */
  static TrustState parse(String jwksJson, String statusListJson) {
    String[] statusLists = new String[StatusListShards.MAX_SHARDS];
    statusLists[0] = statusListJson;
    return parse(jwksJson, Arrays.asList(statusLists), null, true);
  }

  /** As {@link #parse(String, List, List, boolean)} with unsigned lists allowed and no JWTs. */
  static TrustState parse(String jwksJson, List<String> statusListJsons) {
    return parse(jwksJson, statusListJsons, null, true);
  }

  /**
   * Parses the trust documents of a directory.
   *
   * @param jwksJson the {@code jwks.json} content
   * @param statusListJsons the unsigned status list file of each shard, index = shard, null where
   *     absent
   * @param statusListJwts the Status List Token file of each shard ({@code status-list.jwt}, {@code
   *     status-list-<k>.jwt}), null where absent; or null for none at all
   * @param allowUnsigned whether a shard with only a JSON file is used; otherwise it is ignored
   *     (and reported by {@link #ignoredUnsigned()})
   * @throws TrustLoadException when a present document is malformed, or a Status List Token is not
   *     signed by a key of this JWKS: one bad file fails them all
   */
  static TrustState parse(
      String jwksJson,
      List<String> statusListJsons,
      List<String> statusListJwts,
      boolean allowUnsigned) {
    if (jwksJson == null) {
      throw new TrustLoadException("jwks.json is missing");
    }
    if (statusListJsons.size() > StatusListShards.MAX_SHARDS
        || (statusListJwts != null && statusListJwts.size() > StatusListShards.MAX_SHARDS)) {
      throw new IllegalArgumentException("at most " + StatusListShards.MAX_SHARDS + " shards");
    }
    TrustedKeys keys;
    try {
      keys = TrustedKeys.parse(jwksJson);
    } catch (TrustLoadException e) {
      throw new TrustLoadException("jwks.json: " + e.getMessage(), e);
    }
    Map<String, HeldStatusList> signed = new HashMap<>();
    StatusList[] unsigned = new StatusList[StatusListShards.MAX_SHARDS];
    String[] uris = new String[StatusListShards.MAX_SHARDS];
    List<String> ignored = new ArrayList<>();
    for (int shard = 0; shard < StatusListShards.MAX_SHARDS; shard++) {
      String jwt = statusListJwts == null ? null : statusListJwts.get(shard);
      String json = shard < statusListJsons.size() ? statusListJsons.get(shard) : null;
      if (jwt != null) {
        String file = TrustFiles.statusListToken(shard);
        try {
          StatusListToken token = StatusListToken.parse(jwt.strip(), keys);
          HeldStatusList held =
              new HeldStatusList(
                  token.subject(),
                  token.statusList(shard),
                  token.version(),
                  token.issuedAt(),
                  token.expiresAt(),
                  token.kid(),
                  file);
          HeldStatusList other = signed.putIfAbsent(token.subject(), held);
          if (other != null) {
            throw new TrustLoadException(
                file + " has the same sub as " + other.source() + "; every shard has its own URI");
          }
        } catch (IllegalArgumentException e) {
          // StatusListTokenException and StatusListFormatException; messages never quote the JWT.
          throw new TrustLoadException(file + ": " + e.getMessage(), e);
        }
        // The JSON file beside it is derived from the same bits: the signed one is what counts.
      } else if (json != null) {
        if (!allowUnsigned) {
          ignored.add(TrustFiles.statusList(shard));
          continue;
        }
        try {
          StatusListDocument document = StatusListDocument.parse(json);
          unsigned[shard] = StatusList.decodeShard(document.bits(), document.lst(), shard);
          uris[shard] = document.uri();
        } catch (StatusListFormatException e) {
          throw new TrustLoadException(TrustFiles.statusList(shard) + ": " + e.getMessage(), e);
        }
      }
    }
    return new TrustState(keys, Map.copyOf(signed), Map.of(), unsigned, uris, List.copyOf(ignored));
  }

  /**
   * What verifications use: {@code trustedKeys} (this trust's keys and the other sources'), this
   * trust's unsigned lists, and {@code lists} (every source's signed lists and revoked indices, by
   * URI) in place of the signed lists this trust was parsed from.
   */
  TrustState withLists(TrustedKeys trustedKeys, Map<String, KnownStatusList> lists) {
    return new TrustState(trustedKeys, read, lists, unsigned, unsignedUris, ignoredUnsigned);
  }

  /** This trust's keys plus {@code otherKeys} (which win for the same kid). */
  TrustedKeys keysWith(TrustedKeys otherKeys) {
    if (otherKeys == null || otherKeys.asMap().isEmpty()) {
      return keys;
    }
    Map<String, TrustedKey> merged = new HashMap<>(keys.asMap());
    merged.putAll(otherKeys.asMap());
    return TrustedKeys.of(merged);
  }

  TrustedKey key(String kid) {
    return keys.key(kid);
  }

  TrustedKeys keys() {
    return keys;
  }

  /** The signed lists of the files this trust was parsed from, by {@code sub}. */
  Map<String, HeldStatusList> readLists() {
    return read;
  }

  /** Calls {@code action} with the URI and the list of every unsigned file in use. */
  void forEachUnsigned(BiConsumer<String, StatusList> action) {
    for (int shard = 0; shard < unsigned.length; shard++) {
      if (unsigned[shard] != null) {
        action.accept(unsignedUris[shard], unsigned[shard]);
      }
    }
  }

  /** Per URI, the signed lists and revoked indices verifications use. */
  Map<String, KnownStatusList> lists() {
    return lists;
  }

  /** Whether any signed list is held. */
  boolean holdsSignedList() {
    for (KnownStatusList known : lists.values()) {
      if (known.holdsList()) {
        return true;
      }
    }
    return false;
  }

  /** Unsigned shard files present but not used because unsigned lists are not allowed. */
  List<String> ignoredUnsigned() {
    return ignoredUnsigned;
  }

  /** Whether a list of any kind is held for {@code uri}. */
  boolean holds(String uri) {
    KnownStatusList known = lists.get(uri);
    if (known != null && known.holdsList()) {
      return true;
    }
    for (String unsignedUri : unsignedUris) {
      if (uri.equals(unsignedUri)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The status of token {@code idx} of the list {@code uri}: a status value, or {@link
   * #STATUS_MISSING}, {@link #STATUS_UNKNOWN} or {@link #STATUS_STALE}. An index ever seen revoked
   * for {@code uri} is {@link StatusList#INVALID}; then the current signed list of that URI decides
   * ({@link KnownStatusList#status}); without one, the unsigned file of the shard that holds {@code
   * idx}, whose {@code uri} must be the token's. An index at or beyond {@link
   * StatusListShards#INDEX_LIMIT} never exists: {@link #STATUS_UNKNOWN}.
   */
  int status(long idx, String uri, long nowMillis, long maxAgeMillis) {
    int shard = StatusListShards.shardOf(idx);
    if (shard < 0) {
      return STATUS_UNKNOWN;
    }
    KnownStatusList known = lists.get(uri);
    if (known != null) {
      if (known.revoked(idx)) {
        return StatusList.INVALID;
      }
      if (known.holdsList()) {
        return known.status(idx, nowMillis, maxAgeMillis);
      }
    }
    if (shard >= unsigned.length || unsigned[shard] == null) {
      return STATUS_MISSING;
    }
    if (!unsignedUris[shard].equals(uri)) {
      return STATUS_UNKNOWN;
    }
    StatusList list = unsigned[shard];
    return idx < list.size() ? list.get(idx) : STATUS_UNKNOWN;
  }

  /** For logs: which keys and lists are loaded. */
  String describe() {
    StringBuilder out = new StringBuilder("keys ").append(keys);
    boolean any = false;
    for (KnownStatusList known : new TreeMap<>(lists).values()) {
      for (HeldStatusList held : known.heldLists()) {
        out.append(", signed status list ")
            .append(UntrustedText.escape(held.uri()))
            .append(" ver ")
            .append(held.version())
            .append(" from ")
            .append(UntrustedText.escape(held.source()))
            .append(" (iat ")
            .append(java.time.Instant.ofEpochSecond(held.issuedAt()))
            .append(", exp ")
            .append(java.time.Instant.ofEpochSecond(held.expiresAt()))
            .append(')');
        any = true;
      }
    }
    for (int shard = 0; shard < unsigned.length; shard++) {
      StatusList list = unsigned[shard];
      if (list == null) {
        continue;
      }
      out.append(", ");
      if (shard == 0) {
        out.append("status list ").append(UntrustedText.escape(unsignedUris[0]));
        out.append(" (").append(list.size()).append(" entries)");
      } else {
        out.append(TrustFiles.statusList(shard));
        if (!unsignedUris[shard].equals(unsignedUris[0])) {
          out.append(" of ").append(UntrustedText.escape(unsignedUris[shard]));
        }
        out.append(" (indices ").append(list.firstIndex()).append(" to ").append(list.size());
        out.append(')');
      }
      any = true;
    }
    if (!ignoredUnsigned.isEmpty()) {
      out.append(", ignored unsigned ")
          .append(ignoredUnsigned)
          .append(" (no .jwt beside them; unsigned lists are not allowed)");
      any = true;
    }
    return any ? out.toString() : out.append(", no status list").toString();
  }
}
