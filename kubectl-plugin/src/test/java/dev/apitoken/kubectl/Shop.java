package dev.apitoken.kubectl;

import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListDocument;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * One cluster as an on-call engineer finds it, written the way the operator writes it: namespace
 * shop with a healthy ApiToken (orders, two tokens, consumers, a finished rotation), a revoked one
 * (legacy) and one being issued (pending); namespace billing (invoices) without a trust copy; the
 * operator namespace with the trust ConfigMap, the issue records (also of two deleted ApiTokens)
 * and the key ring.
 */
final class Shop {
  static final String OPERATOR_NS = "apitoken-system";
  static final long NOW = PluginHarness.NOW.getEpochSecond();
  static final String STATUS_URI = "https://apitoken.example/status-list";

  static final TestKeys ACTIVE = new TestKeys(1);
  static final TestKeys NEXT = new TestKeys(2);

  /** A key no JWKS publishes (an attacker's, or one rotated out long ago). */
  static final TestKeys FOREIGN = new TestKeys(3);

  static final String ORDERS_TOKEN =
      ACTIVE.token("orders-api", "ord-42", 42, NOW - 7200, NOW + 22 * 3600, STATUS_URI);
  static final String ORDERS_PREVIOUS_TOKEN =
      ACTIVE.token("orders-api", "ord-41", 41, NOW - 14 * 3600, NOW + 10 * 3600, STATUS_URI);
  static final String LEGACY_TOKEN =
      ACTIVE.token("legacy-batch", "leg-7", 7, NOW - 19 * 3600, NOW + 5 * 3600, STATUS_URI);

  /** The key ring's private material: must never appear in any output. */
  static final String PRIVATE_MATERIAL = "PRIVATE-KEY-MATERIAL-d-value";

  private Shop() {}

  static String at(long epochSecond) {
    return java.time.Instant.ofEpochSecond(epochSecond).toString();
  }

  static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  static String trustCopy(String ns) {
    StatusList list = new StatusList(1, 1024);
    for (long revoked : new long[] {3, 7, 9, 12}) {
      list.set(revoked, StatusList.INVALID);
    }
    String json = StatusListDocument.of(list, STATUS_URI).toJson();
    String jwt = ACTIVE.statusListToken(STATUS_URI, NOW - 60, list);
    return """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: apitoken-trust
          namespace: %s
          labels:
            app.kubernetes.io/managed-by: apitoken-operator
            app.kubernetes.io/component: trust
        data:
          jwks.json: '%s'
          status-list.json: '%s'
          status-list.jwt: '%s'
        """
        .formatted(ns, TestKeys.jwks(ACTIVE, NEXT), json, jwt);
  }

  static void seed(PluginHarness h) {
    h.apply(trustCopy(OPERATOR_NS));
    h.apply(trustCopy("shop"));
    h.apply(
        """
        apiVersion: v1
        kind: Secret
        metadata:
          name: apitoken-signing-keys
          namespace: apitoken-system
          annotations:
            apitoken.dev/keys: '[{"kid":"%s","state":"active","created":"2025-12-02T00:00:00Z","signsFrom":"2025-12-02T01:00:00Z","retireAt":"2026-01-31T00:00:00Z"},{"kid":"%s","state":"next","created":"2025-12-31T23:00:00Z","signsFrom":"2026-01-01T01:00:00Z"}]'
            apitoken.dev/revoked-kids: 'old-compromised-kid=2025-12-01T10:00:00Z'
        data:
          keyring.json: %s
        """
            .formatted(ACTIVE.kid(), NEXT.kid(), b64(PRIVATE_MATERIAL)));
    h.apply(
        """
        apiVersion: apitoken.dev/v1alpha1
        kind: ApiToken
        metadata:
          name: orders
          namespace: shop
          generation: 3
        spec:
          subject: orders-api
          audiences: [orders, billing]
          revokeIssuedBefore: "2025-12-31T23:00:00Z"
          revokeIssuedBeforeGracePeriod: 10m
          rotation:
            previousTokenGracePeriod: 1h
        status:
          observedGeneration: 3
          secretName: orders-token
          jti: ord-42
          keyId: %s
          statusListIndex: 42
          issuedAt: "%s"
          expiresAt: "%s"
          renewalTime: "%s"
          tokenHash: %s
          revokedIssuedBefore: "2025-12-31T23:00:00Z"
          tokens:
          - {jti: ord-41, index: 41, expiresAt: "%s"}
          - {jti: ord-42, index: 42, expiresAt: "%s"}
          consumers:
          - {kind: Deployment, name: checkout, via: volume}
          - {kind: StatefulSet, name: ledger, via: env}
          conditions:
          - {type: Ready, status: "True", reason: Issued, message: Token issued, lastTransitionTime: "2025-12-31T22:00:00Z", observedGeneration: 3}
          - {type: Reconciling, status: "False", reason: Idle, lastTransitionTime: "2025-12-31T22:00:00Z", observedGeneration: 3}
          - {type: Stalled, status: "False", reason: Progressing, lastTransitionTime: "2025-12-31T22:00:00Z", observedGeneration: 3}
          - {type: PreviousTokensRevoked, status: "True", reason: Revoked, message: 1 token revoked, lastTransitionTime: "2025-12-31T23:30:00Z", observedGeneration: 3}
        ---
        apiVersion: v1
        kind: Secret
        metadata:
          name: orders-token
          namespace: shop
          labels:
            apitoken.dev/name: orders
            app.kubernetes.io/managed-by: apitoken-operator
        data:
          token: %s
        """
            .formatted(
                ACTIVE.kid(),
                at(NOW - 7200),
                at(NOW + 22 * 3600),
                at(NOW + 14 * 3600),
                TestKeys.b64(TestKeys.sha256(ORDERS_TOKEN)),
                at(NOW + 10 * 3600),
                at(NOW + 22 * 3600),
                b64(ORDERS_TOKEN)));
    h.apply(
        """
        apiVersion: apitoken.dev/v1alpha1
        kind: ApiToken
        metadata:
          name: legacy
          namespace: shop
        spec:
          subject: legacy-batch
          revoked: true
          revocationReason: leaked in CI logs
        status:
          secretName: legacy-token
          jti: leg-7
          keyId: %s
          statusListIndex: 7
          expiresAt: "%s"
          revokedAt: "2025-12-31T23:00:00Z"
          revocationReason: leaked in CI logs
          tokens:
          - {jti: leg-7, index: 7, expiresAt: "%s"}
          conditions:
          - {type: Ready, status: "False", reason: Revoked, message: Revoked, lastTransitionTime: "2025-12-31T23:00:00Z"}
          - {type: Revoked, status: "True", reason: Revoked, message: leaked in CI logs, lastTransitionTime: "2025-12-31T23:00:00Z"}
          - {type: RevocationPublished, status: "True", reason: Published, lastTransitionTime: "2025-12-31T23:00:05Z"}
        ---
        apiVersion: v1
        kind: Secret
        metadata:
          name: legacy-copy
          namespace: shop
        data:
          token: %s
        ---
        apiVersion: apitoken.dev/v1alpha1
        kind: ApiToken
        metadata:
          name: pending
          namespace: shop
        spec:
          subject: pending-api
        status:
          conditions:
          - {type: Ready, status: "False", reason: SigningKeyNotPublished, message: waiting for the signing key in every copy, lastTransitionTime: "2025-12-31T23:59:00Z"}
          - {type: Reconciling, status: "True", reason: Issuing, lastTransitionTime: "2025-12-31T23:59:00Z"}
          - {type: Stalled, status: "False", reason: Progressing, lastTransitionTime: "2025-12-31T23:59:00Z"}
        ---
        apiVersion: apitoken.dev/v1alpha1
        kind: ApiToken
        metadata:
          name: invoices
          namespace: billing
        spec:
          subject: invoices-api
        status:
          secretName: invoices-token
          jti: inv-50
          keyId: %s
          statusListIndex: 50
          expiresAt: "%s"
          tokens:
          - {jti: inv-50, index: 50, expiresAt: "%s"}
          conditions:
          - {type: Ready, status: "True", reason: Issued, lastTransitionTime: "2025-12-31T00:00:00Z"}
        """
            .formatted(
                ACTIVE.kid(),
                at(NOW + 5 * 3600),
                at(NOW + 5 * 3600),
                b64(LEGACY_TOKEN),
                ACTIVE.kid(),
                at(NOW + 24 * 3600),
                at(NOW + 24 * 3600)));
    issueRecords(h);
  }

  /** The issue records name owners by uid, which the API server assigns: read them back. */
  private static void issueRecords(PluginHarness h) {
    String uidOrders = uid(h, "shop", "orders");
    String uidLegacy = uid(h, "shop", "legacy");
    String uidInvoices = uid(h, "billing", "invoices");
    String records =
        String.join(
            "\\n",
            "3 " + (NOW + 3 * 3600) + " uid-old-batch shop/old-batch ob-3 R",
            "7 " + (NOW + 5 * 3600) + " " + uidLegacy + " shop/legacy leg-7 R",
            "9 " + (NOW + 2 * 3600) + " uid-reports billing/reports rep-9 R",
            "12 " + (NOW + 1 * 3600) + " " + uidOrders + " shop/orders ord-12",
            "41 " + (NOW + 10 * 3600) + " " + uidOrders + " shop/orders ord-41",
            "42 " + (NOW + 22 * 3600) + " " + uidOrders + " shop/orders ord-42",
            "50 " + (NOW + 24 * 3600) + " " + uidInvoices + " billing/invoices inv-50");
    h.apply(
        """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: apitoken-trust-issued-0
          namespace: apitoken-system
          labels:
            app.kubernetes.io/managed-by: apitoken-operator
            app.kubernetes.io/component: issue-records
        data:
          format: apitoken.dev/issue-records-v1
          records: "%s\\n"
        """
            .formatted(records));
  }

  static String uid(PluginHarness h, String ns, String name) {
    return h.apiToken(ns, name).path("metadata").path("uid").asText();
  }
}
