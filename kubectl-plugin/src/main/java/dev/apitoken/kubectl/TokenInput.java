package dev.apitoken.kubectl;

import dev.apitoken.format.TokenHash;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * A token read from standard input or from a token Secret. Its value stays in this object: it is
 * hashed, decoded or verified, never printed, and {@link #toString()} does not show it.
 */
final class TokenInput {
  /** Longer input is no token the verifier accepts (8 KiB) anyway. */
  private static final int MAX_INPUT_BYTES = 64 * 1024;

  private final String value;
  final String source;
  final String secretNamespace;
  final String secretName;
  final String ownerName;

  private TokenInput(
      String value, String source, String secretNamespace, String secretName, String ownerName) {
    this.value = value;
    this.source = source;
    this.secretNamespace = secretNamespace;
    this.secretName = secretName;
    this.ownerName = ownerName;
  }

  String value() {
    return value;
  }

  static TokenInput fromStdin(Env env) {
    try {
      String text =
          new String(env.in().readNBytes(MAX_INPUT_BYTES), StandardCharsets.UTF_8).strip();
      if (text.isEmpty()) {
        throw CliException.usage("no token on standard input (or give --secret NAME)");
      }
      return new TokenInput(text, "standard input", null, null, null);
    } catch (IOException e) {
      throw CliException.error("cannot read standard input: " + e.getMessage());
    }
  }

  static TokenInput fromSecret(Cluster cluster, String name) {
    String ns = cluster.namespace();
    Secret secret =
        cluster
            .secret(ns, name)
            .orElseThrow(() -> CliException.notFound("Secret " + ns + "/" + name + " not found"));
    Map<String, String> data = secret.getData() == null ? Map.of() : secret.getData();
    String encoded = data.get("token");
    if (encoded == null) {
      throw CliException.notFound("Secret " + ns + "/" + name + " has no key 'token'");
    }
    String value;
    try {
      value = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8).strip();
    } catch (IllegalArgumentException e) {
      throw CliException.error("Secret " + ns + "/" + name + ": the key 'token' is not base64");
    }
    Map<String, String> labels =
        secret.getMetadata().getLabels() == null ? Map.of() : secret.getMetadata().getLabels();
    return new TokenInput(
        value,
        "Secret " + ns + "/" + name + " (key token)",
        ns,
        name,
        labels.get(ApiTokenView.SECRET_OWNER_LABEL));
  }

  /** SHA-256 of the value, base64url: the operator's {@code status.tokenHash}. */
  String fingerprint() {
    return TokenHash.of(value);
  }

  @Override
  public String toString() {
    return "TokenInput[" + source + ", sha256=" + fingerprint() + "]";
  }
}
