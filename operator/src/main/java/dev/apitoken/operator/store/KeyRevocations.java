package dev.apitoken.operator.store;

import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.SigningKey;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The key-ring Secret's annotations for key compromise and listing: the request {@value
 * KeyRingSecretStore#REVOKE_KIDS_ANNOTATION}, the record {@value
 * KeyRingSecretStore#REVOKED_KIDS_ANNOTATION} and the public listing {@value
 * KeyRingSecretStore#KEYS_ANNOTATION}. Never any private material.
 */
final class KeyRevocations {
  private KeyRevocations() {}

  /** The kids a person asked to revoke; empty when there is no request. */
  static Set<String> requested(Secret secret) {
    Set<String> kids = new TreeSet<>();
    String text = annotation(secret, KeyRingSecretStore.REVOKE_KIDS_ANNOTATION);
    if (text != null) {
      for (String kid : text.split(",")) {
        if (!kid.isBlank()) {
          kids.add(kid.strip());
        }
      }
    }
    return kids;
  }

  /** The kids recorded as revoked, with when; unreadable entries are skipped. */
  static Map<String, String> revoked(Secret secret) {
    Map<String, String> revoked = new LinkedHashMap<>();
    String text = annotation(secret, KeyRingSecretStore.REVOKED_KIDS_ANNOTATION);
    if (text != null) {
      for (String entry : text.split(",")) {
        int equals = entry.indexOf('=');
        if (equals > 0) {
          revoked.put(entry.substring(0, equals).strip(), entry.substring(equals + 1).strip());
        }
      }
    }
    return revoked;
  }

  /** The annotations every key-ring write carries: the revoked kids and the public listing. */
  static Map<String, String> annotations(KeyRing ring, Map<String, String> revoked) {
    Map<String, String> annotations = new LinkedHashMap<>();
    if (!revoked.isEmpty()) {
      List<String> entries = new ArrayList<>();
      revoked.forEach((kid, at) -> entries.add(kid + "=" + at));
      annotations.put(KeyRingSecretStore.REVOKED_KIDS_ANNOTATION, String.join(",", entries));
    }
    List<Map<String, String>> keys = new ArrayList<>();
    for (SigningKey key : ring.keys()) {
      Map<String, String> listed = new LinkedHashMap<>();
      listed.put("kid", key.kid());
      listed.put(
          "state",
          !key.isActive()
              ? "retired"
              : key.kid().equals(ring.activeKey().kid()) ? "active" : "next");
      listed.put("created", key.createdAt().toString());
      listed.put("signsFrom", key.createdAt().toString());
      if (key.retiredAt() != null) {
        listed.put("retireAt", key.retiredAt().toString());
      }
      keys.add(listed);
    }
    annotations.put(KeyRingSecretStore.KEYS_ANNOTATION, Serialization.asJson(keys));
    return annotations;
  }

  private static String annotation(Secret secret, String name) {
    return secret == null || secret.getMetadata().getAnnotations() == null
        ? null
        : secret.getMetadata().getAnnotations().get(name);
  }
}
