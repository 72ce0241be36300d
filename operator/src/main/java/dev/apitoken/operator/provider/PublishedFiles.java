package dev.apitoken.operator.provider;

import static net.logstash.logback.argument.StructuredArguments.kv;

import dev.apitoken.format.status.StatusListShards;
import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.publish.TrustConfigMapWriter;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.store.ConfigMapApi;
import dev.apitoken.operator.token.StatusListUris;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The documents this replica serves, as it sees the trust ConfigMaps of the operator's namespace
 * through its own watch: leader and standbys alike, so a Service in front of every pod stays
 * available while the leader changes. Shard k's signed list is served at the path of its URI, the
 * JWKS at {@link #JWKS_PATH}.
 *
 * <p>A deleted copy keeps being served as last seen: the leader puts it back, and the signed list
 * carries its own {@code exp}, so a frozen one stops being trusted anyway.
 */
public final class PublishedFiles implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PublishedFiles.class);

  public static final String JWKS_PATH = "/.well-known/jwks.json";
  public static final String STATUS_LIST_CONTENT_TYPE = "application/statuslist+jwt";
  public static final String JWKS_CONTENT_TYPE = "application/jwk-set+json";

  private final ConfigMapApi api;
  private final String namespace;
  private final String trustName;
  private final String[] shardPaths = new String[StatusListShards.MAX_SHARDS];
  private volatile Map<String, ServedFile> files = Map.of();
  private volatile Consumer<String> onChange = path -> {};
  private AutoCloseable watch;

  public PublishedFiles(
      ConfigMapApi api, String namespace, String trustName, String statusListUri) {
    this.api = api;
    this.namespace = namespace;
    this.trustName = trustName;
    for (int k = 0; k < shardPaths.length; k++) {
      shardPaths[k] = pathOf(StatusListUris.ofShard(statusListUri, k));
    }
  }

  /** The path part of a shard URI: what a request for it asks for. */
  static String pathOf(String uri) {
    try {
      String path = new URI(uri).getRawPath();
      return path == null || path.isEmpty() ? "/" : path;
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("the status list URI is not a URI: " + e.getReason());
    }
  }

  /** The path shard {@code k}'s Status List Token is served at. */
  public String shardPath(int k) {
    return shardPaths[k];
  }

  /** Called with the path of every document whose bytes changed. */
  public void onChange(Consumer<String> listener) {
    onChange = Objects.requireNonNull(listener);
  }

  public void start() {
    watch = api.watch(namespace, Labels.managed(TrustConfigMapWriter.COMPONENT), this::changed);
  }

  /** The document at {@code path}, or null when this replica has none there (yet). */
  public ServedFile get(String path) {
    return files.get(path);
  }

  /** Whether {@code path} is one this provider serves once the operator has published it. */
  public boolean knows(String path) {
    if (JWKS_PATH.equals(path)) {
      return true;
    }
    for (String shardPath : shardPaths) {
      if (shardPath.equals(path)) {
        return true;
      }
    }
    return false;
  }

  private void changed(String ns, String name, ConfigMap after) {
    int shard = TrustDocument.shardOf(trustName, name);
    if (!namespace.equals(ns) || shard < 0 || after == null || after.getData() == null) {
      return;
    }
    Map<String, String> data = after.getData();
    Map<String, ServedFile> updated = new HashMap<>();
    String token = data.get(TrustDocument.statusListTokenKey(shard));
    if (token != null) {
      updated.put(shardPaths[shard], ServedFile.of(STATUS_LIST_CONTENT_TYPE, token));
    }
    String jwks = shard == 0 ? data.get(TrustDocument.JWKS_KEY) : null;
    if (jwks != null) {
      updated.put(JWKS_PATH, ServedFile.of(JWKS_CONTENT_TYPE, jwks));
    }
    java.util.List<String> changedPaths = new java.util.ArrayList<>();
    synchronized (this) {
      Map<String, ServedFile> next = new HashMap<>(files);
      updated.forEach(
          (path, file) -> {
            ServedFile before = next.put(path, file);
            if (before == null || !before.etag().equals(file.etag())) {
              changedPaths.add(path);
            }
          });
      files = Map.copyOf(next);
    }
    for (String path : changedPaths) {
      LOG.debug("{} {}", kv("event", "status_list_served"), kv("path", path));
      onChange.accept(path);
    }
  }

  @Override
  public void close() {
    if (watch != null) {
      try {
        watch.close();
      } catch (Exception ignored) {
        // closing anyway
      }
    }
  }
}
