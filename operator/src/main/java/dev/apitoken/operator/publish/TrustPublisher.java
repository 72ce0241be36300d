package dev.apitoken.operator.publish;

import dev.apitoken.operator.token.Jwks;
import dev.apitoken.operator.token.KeyRing;
import java.util.Map;
import java.util.TreeMap;

/**
 * Publishes what verifying workloads need, public keys ({@code jwks.json}), into the trust
 * ConfigMap in the operator's namespace.
 */
public final class TrustPublisher {
  public static final String JWKS_KEY = "jwks.json";

  private final TrustConfigMapWriter writer;
  private final String operatorNamespace;
  private volatile String jwksJson;

  public TrustPublisher(TrustConfigMapWriter writer, String operatorNamespace) {
    this.writer = writer;
    this.operatorNamespace = operatorNamespace;
  }

  /** New public keys are published before the caller goes on to sign with them. */
  public synchronized void publishKeys(KeyRing ring) {
    jwksJson = Jwks.publicJson(ring);
    writer.write(operatorNamespace, document());
  }

  /** The ConfigMap's data; same state, same bytes. */
  public Map<String, String> document() {
    Map<String, String> data = new TreeMap<>();
    if (jwksJson != null) {
      data.put(JWKS_KEY, jwksJson);
    }
    return data;
  }
}
