package dev.apitoken.kubectl;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The key ring as the operator describes it in the key-ring Secret's annotations. Only annotations
 * are read: the Secret's data (the private keys) is never looked at, kept or printed.
 */
final class KeyRingView {
  static final String KEYS = "apitoken.dev/keys";
  static final String REVOKE_KIDS = "apitoken.dev/revoke-kids";
  static final String REVOKED_KIDS = "apitoken.dev/revoked-kids";

  /** One entry of {@code apitoken.dev/keys}. */
  record Key(String kid, String state, String created, String signsFrom, String retireAt) {}

  final String resourceVersion;
  final List<Key> keys;
  final Set<String> revocationRequested;
  final Map<String, String> revokedAt;

  private KeyRingView(
      String resourceVersion,
      List<Key> keys,
      Set<String> revocationRequested,
      Map<String, String> revokedAt) {
    this.resourceVersion = resourceVersion;
    this.keys = keys;
    this.revocationRequested = revocationRequested;
    this.revokedAt = revokedAt;
  }

  static KeyRingView of(Secret secret) {
    Map<String, String> annotations =
        Optional.ofNullable(secret.getMetadata().getAnnotations()).orElse(Map.of());
    List<Key> keys = new ArrayList<>();
    String json = annotations.get(KEYS);
    if (json != null) {
      try {
        for (JsonNode k : Cluster.JSON.readTree(json)) {
          keys.add(
              new Key(
                  ApiTokenView.text(k, "kid"),
                  ApiTokenView.text(k, "state"),
                  ApiTokenView.text(k, "created"),
                  ApiTokenView.text(k, "signsFrom"),
                  ApiTokenView.text(k, "retireAt")));
        }
      } catch (java.io.IOException e) {
        throw CliException.error(
            "the annotation "
                + KEYS
                + " of the key-ring Secret is not JSON; is the operator current?");
      }
    }
    return new KeyRingView(
        secret.getMetadata().getResourceVersion(),
        keys,
        kidList(annotations.get(REVOKE_KIDS)),
        revokedKids(annotations.get(REVOKED_KIDS)));
  }

  static Set<String> kidList(String value) {
    Set<String> kids = new LinkedHashSet<>();
    if (value != null) {
      for (String kid : value.split(",")) {
        if (!kid.isBlank()) {
          kids.add(kid.strip());
        }
      }
    }
    return kids;
  }

  /** {@code <kid>=<RFC3339>,...}. */
  static Map<String, String> revokedKids(String value) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String entry : kidList(value)) {
      int eq = entry.indexOf('=');
      if (eq < 0) {
        out.put(entry, null);
      } else {
        out.put(entry.substring(0, eq), entry.substring(eq + 1));
      }
    }
    return out;
  }
}
