package dev.apitoken.kubectl;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apitoken.format.TrustFiles;
import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListDocument;
import dev.apitoken.format.status.StatusListShards;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The published trust copies ({@code <trust>}, {@code <trust>-<k>}) as a workload in a namespace
 * sees them: which tokens they show revoked and which keys they publish. Read for display only;
 * {@code verify} checks the signed lists through the verifier library.
 */
public final class PublishedTrust {
  /** What the published status list says about one token. */
  public static final String VALID = "valid";

  public static final String REVOKED = "revoked";
  public static final String SUSPENDED = "suspended";

  private final Cluster cluster;
  private final Map<String, Optional<ConfigMap>> copies = new HashMap<>();
  private final Map<String, String> unreadable = new HashMap<>();

  public PublishedTrust(Cluster cluster) {
    this.cluster = cluster;
  }

  /** The copy's ConfigMap name for shard {@code k}. */
  String copyName(int shard) {
    return shard == 0 ? cluster.trustConfigMap() : cluster.trustConfigMap() + "-" + shard;
  }

  /**
   * The namespace whose copy describes {@code ns}: its own, else the operator namespace (which
   * always holds one), for namespaces outside the target selector.
   */
  String sourceNamespace(String ns) {
    if (copy(ns, 0).isPresent() || unreadable.containsKey(ns + "/0")) {
      return ns;
    }
    return cluster.operatorNamespace();
  }

  private Optional<ConfigMap> copy(String ns, int shard) {
    String key = ns + "/" + shard;
    return copies.computeIfAbsent(
        key,
        k -> {
          try {
            return cluster.configMap(ns, copyName(shard));
          } catch (CliException e) {
            unreadable.put(k, e.getMessage().lines().findFirst().orElse("unreadable"));
            return Optional.empty();
          }
        });
  }

  /**
   * {@link #VALID}, {@link #REVOKED}, {@link #SUSPENDED}, or why it cannot be told ("not published
   * yet" when the index is beyond the published list, "no trust copy", "unknown: forbidden ...").
   */
  public String tokenState(String ns, long index) {
    int shard = StatusListShards.shardOf(index);
    if (shard < 0) {
      return "index out of range";
    }
    String source = sourceNamespace(ns);
    Optional<ConfigMap> map = copy(source, shard);
    String problem = unreadable.get(source + "/" + shard);
    if (problem != null) {
      return "unknown (" + problem + ")";
    }
    if (map.isEmpty()) {
      return "no trust copy";
    }
    String json = data(map.get()).get(TrustFiles.statusList(shard));
    if (json == null) {
      return "no status list";
    }
    try {
      StatusListDocument doc = StatusListDocument.parse(json);
      StatusList list =
          shard == 0 ? doc.statusList() : StatusList.decodeShard(doc.bits(), doc.lst(), shard);
      if (index >= list.size()) {
        return "not published yet";
      }
      return switch (list.get(index)) {
        case StatusList.VALID -> VALID;
        case StatusList.INVALID -> REVOKED;
        case StatusList.SUSPENDED -> SUSPENDED;
        default -> "status " + list.get(index);
      };
    } catch (RuntimeException e) {
      return "unreadable status list";
    }
  }

  /** The kids of the {@code jwks.json} published in {@code ns}'s copy (or the operator's). */
  public Optional<Set<String>> publishedKids(String ns) {
    Optional<ConfigMap> map = copy(ns, 0);
    if (map.isEmpty()) {
      return Optional.empty();
    }
    String jwks = data(map.get()).get(TrustFiles.JWKS);
    if (jwks == null) {
      return Optional.empty();
    }
    try {
      Set<String> kids = new TreeSet<>();
      for (JsonNode key : Cluster.JSON.readTree(jwks).path("keys")) {
        if (key.path("kid").isTextual()) {
          kids.add(key.path("kid").asText());
        }
      }
      return Optional.of(kids);
    } catch (java.io.IOException e) {
      return Optional.empty();
    }
  }

  /** Why the copy of {@code ns} could not be read, if it could not. */
  public Optional<String> problem(String ns) {
    return Optional.ofNullable(unreadable.get(ns + "/0"));
  }

  /**
   * Every file of every copy in {@code ns} ({@code jwks.json}, {@code status-list*.json}, {@code
   * status-list*.jwt}), as a mounted trust directory holds them.
   *
   * @throws CliException NOT_FOUND when {@code ns} has no copy
   */
  public Map<String, String> files(String ns) {
    Optional<ConfigMap> first = copy(ns, 0);
    String problem = unreadable.get(ns + "/0");
    if (problem != null) {
      throw CliException.error(problem);
    }
    if (first.isEmpty()) {
      throw CliException.notFound(
          "no trust ConfigMap "
              + ns
              + "/"
              + cluster.trustConfigMap()
              + " (is the namespace a target of the operator? else use -n "
              + cluster.operatorNamespace()
              + ", --trust-dir or --trust-url)");
    }
    Map<String, String> files = new LinkedHashMap<>(data(first.get()));
    for (int k = 1; k < StatusListShards.MAX_SHARDS; k++) {
      Optional<ConfigMap> shard = copy(ns, k);
      if (shard.isEmpty()) {
        break;
      }
      files.putAll(data(shard.get()));
    }
    return files;
  }

  private static Map<String, String> data(ConfigMap map) {
    return map.getData() == null ? Map.of() : map.getData();
  }
}
