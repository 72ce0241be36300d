package dev.apitoken.operator.bench;

import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.http.StandardHttpRequest;
import java.net.URI;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the Kubernetes API requests one client sends, by verb and resource ({@code PATCH
 * apitokens/status}, {@code LIST secrets}, {@code WATCH configmaps}), and ConfigMap writes by
 * namespace and name. Installed as a Fabric8 HTTP interceptor, so it sees every attempt, retries
 * included, whatever API the caller used.
 */
final class RequestCounter implements Interceptor {
  /** One request, as far as the counts care. */
  record Call(String verb, String resource, String namespace, String name) {
    String key() {
      return verb + " " + resource;
    }
  }

  private final Map<String, LongAdder> byKey = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> configMapWrites = new ConcurrentHashMap<>();

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    String contentType =
        request instanceof StandardHttpRequest standard
            ? standard.getContentType()
            : request.header("Content-Type");
    Call call = classify(request.method(), request.uri(), contentType);
    byKey.computeIfAbsent(call.key(), k -> new LongAdder()).increment();
    if (call.resource().equals("configmaps")
        && (call.verb().equals("PUT") || call.verb().startsWith("POST"))) {
      String name = call.name() != null ? call.name() : "(create)";
      configMapWrites
          .computeIfAbsent(call.namespace() + "/" + name, k -> new LongAdder())
          .increment();
    }
  }

  /** Counts so far, sorted by key. */
  Map<String, Long> snapshot() {
    Map<String, Long> copy = new TreeMap<>();
    byKey.forEach((k, v) -> copy.put(k, v.sum()));
    return copy;
  }

  /** ConfigMap PUTs by {@code namespace/name} ({@code namespace/(create)} for POSTs). */
  Map<String, Long> configMapWrites() {
    Map<String, Long> copy = new TreeMap<>();
    configMapWrites.forEach((k, v) -> copy.put(k, v.sum()));
    return copy;
  }

  /** What {@code after} minus {@code before} adds up to, key by key, zeros left out. */
  static Map<String, Long> difference(Map<String, Long> after, Map<String, Long> before) {
    Map<String, Long> diff = new TreeMap<>();
    after.forEach(
        (k, v) -> {
          long d = v - before.getOrDefault(k, 0L);
          if (d != 0) {
            diff.put(k, d);
          }
        });
    return diff;
  }

  static long total(Map<String, Long> counts) {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * Reads a Kubernetes API URL: {@code /api/v1/namespaces/ns/secrets/name} or {@code
   * /apis/group/version/namespaces/ns/apitokens/name/status}. A GET without a name is a LIST, with
   * {@code watch=true} a WATCH; a PATCH names its patch type.
   */
  static Call classify(String method, URI uri, String contentType) {
    String[] parts = uri.getPath().replaceFirst("^/", "").split("/");
    int start;
    if (parts.length >= 2 && parts[0].equals("api")) {
      start = 2;
    } else if (parts.length >= 3 && parts[0].equals("apis")) {
      start = 3;
    } else {
      return new Call(method, uri.getPath(), null, null);
    }
    String[] rest = java.util.Arrays.copyOfRange(parts, start, parts.length);
    String namespace = null;
    String resource;
    String name = null;
    String sub = null;
    if (rest.length >= 3 && rest[0].equals("namespaces")) {
      namespace = rest[1];
      resource = rest[2];
      name = rest.length > 3 ? rest[3] : null;
      sub = rest.length > 4 ? rest[4] : null;
    } else if (rest.length >= 1) {
      resource = rest[0];
      name = rest.length > 1 ? rest[1] : null;
      sub = rest.length > 2 ? rest[2] : null;
    } else {
      return new Call(method, uri.getPath(), null, null);
    }
    String verb = method;
    String query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
    if (method.equals("GET")) {
      verb = query.contains("watch=true") ? "WATCH" : name == null ? "LIST" : "GET";
    } else if (method.equals("PATCH") && contentType != null) {
      verb = "PATCH(" + patchType(contentType) + ")";
    }
    return new Call(verb, sub == null ? resource : resource + "/" + sub, namespace, name);
  }

  private static String patchType(String contentType) {
    if (contentType.contains("merge-patch")) {
      return "merge";
    }
    if (contentType.contains("json-patch")) {
      return "json";
    }
    if (contentType.contains("strategic")) {
      return "strategic";
    }
    if (contentType.contains("apply-patch")) {
      return "apply";
    }
    return contentType;
  }
}
