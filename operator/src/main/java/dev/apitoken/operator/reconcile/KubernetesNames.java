package dev.apitoken.operator.reconcile;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Names and label values derived from an ApiToken's name, kept within Kubernetes' limits. A long
 * but legal ApiToken name must not produce an Event or a label the API server refuses: the Event
 * would be lost silently, the Secret refused after a token was signed for it.
 */
final class KubernetesNames {
  /** The longest DNS subdomain, the limit for most object names (Events included). */
  static final int MAX_NAME_LENGTH = 253;

  static final int MAX_LABEL_VALUE_LENGTH = 63;

  private static final int HASH_LENGTH = 10;

  private KubernetesNames() {}

  /**
   * {@code <objectName>.<suffix>}, or when that is too long, the object name cut short and followed
   * by a hash of the whole name, so that different long names still give different Event names.
   */
  static String eventName(String objectName, String suffix) {
    String name = objectName + "." + suffix;
    if (name.length() <= MAX_NAME_LENGTH) {
      return name;
    }
    int room = MAX_NAME_LENGTH - suffix.length() - 1 - HASH_LENGTH - 1;
    return shortened(objectName, room) + "-" + hash(objectName) + "." + suffix;
  }

  /** {@code value} as a label value: as is up to 63 characters, else shortened with a hash. */
  static String labelValue(String value) {
    if (value.length() <= MAX_LABEL_VALUE_LENGTH) {
      return value;
    }
    return shortened(value, MAX_LABEL_VALUE_LENGTH - HASH_LENGTH - 1) + "-" + hash(value);
  }

  /**
   * The first {@code length} characters, without trailing '-' or '.', so that what follows starts a
   * valid part of a DNS subdomain or label value.
   */
  private static String shortened(String name, int length) {
    int end = Math.min(length, name.length());
    while (end > 0 && !Character.isLetterOrDigit(name.charAt(end - 1))) {
      end--;
    }
    return name.substring(0, end);
  }

  private static String hash(String name) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, HASH_LENGTH);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
