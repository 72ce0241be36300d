package dev.apitoken.operator.store;

import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.RevokedKids;
import dev.apitoken.operator.token.SigningKey;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
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

  /** The kids recorded as revoked on the Secret (see {@link RevokedKids#parse}). */
  static RevokedKids revoked(Secret secret, Instant seenAt) {
    return RevokedKids.parse(
        annotation(secret, KeyRingSecretStore.REVOKED_KIDS_ANNOTATION), seenAt);
  }

  /** The record exactly as the Secret carries it; "" when it has none. */
  static String revokedText(Secret secret) {
    String text = annotation(secret, KeyRingSecretStore.REVOKED_KIDS_ANNOTATION);
    return text == null ? "" : text;
  }

  /** The annotations every key-ring write carries: the revoked kids and the public listing. */
  static Map<String, String> annotations(KeyRing ring, RevokedKids revoked) {
    Map<String, String> annotations = new LinkedHashMap<>();
    if (!revoked.isEmpty()) {
      annotations.put(KeyRingSecretStore.REVOKED_KIDS_ANNOTATION, revoked.format());
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
