package dev.apitoken.operator.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.zip.Inflater;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Status List Token in every trust copy verifies with nimbus-jose-jwt against the JWKS
 * published beside it, says what draft-ietf-oauth-status-list asks of it, and decodes, with a
 * reader written here from the draft alone, to the revocations; the heartbeat re-signs it before it
 * expires.
 */
@EnableKubernetesMockClient(crud = true)
class StatusListTokenVerifiesWithNimbusTest {
  static KubernetesClient client;
  private RunningOperator operator;

  @AfterEach
  void stop() {
    try (RunningOperator stopping = operator) {
      stopping.deleteAllApiTokens();
    }
  }

  /** The draft: base64url, then zlib (RFC 1950) inflate; index i is bit i % 8 of byte i / 8. */
  static int draftBit(String lst, long index) throws Exception {
    Inflater inflater = new Inflater();
    inflater.setInput(Base64.getUrlDecoder().decode(lst));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    while (!inflater.finished()) {
      int n = inflater.inflate(buffer);
      if (n == 0 && inflater.needsInput()) {
        throw new AssertionError("truncated zlib stream");
      }
      out.write(buffer, 0, n);
    }
    inflater.end();
    byte[] bytes = out.toByteArray();
    return (bytes[(int) (index / 8)] >>> (int) (index % 8)) & 1;
  }

  private static SignedJWT verifiedStatusList(ConfigMap trust) throws Exception {
    SignedJWT jwt = SignedJWT.parse(trust.getData().get("status-list.jwt"));
    JWKSet jwks = JWKSet.parse(trust.getData().get(TrustDocument.JWKS_KEY));
    var key = jwks.getKeyByKeyId(jwt.getHeader().getKeyID());
    assertThat(key).as("the kid is in the published JWKS").isNotNull();
    assertThat(jwt.verify(new Ed25519Verifier(key.toOctetKeyPair()))).isTrue();
    return jwt;
  }

  @Test
  void theSignedListVerifiesWithNimbusAndShowsTheRevocation() throws Exception {
    MutableClock clock = new MutableClock(RunningOperator.START);
    operator = new RunningOperator(client, clock, "--status-list-uri=https://tokens.example/sl");
    operator.createNamespace("apps", Map.of());
    operator.start();
    operator.create(ApiTokens.named("kept").in("apps").build());
    operator.create(ApiTokens.named("leaked").in("apps").build());
    long kept = operator.awaitReady("apps", "kept").getStatus().getStatusListIndex();
    ApiToken leaked = operator.awaitReady("apps", "leaked");
    long revoked = leaked.getStatus().getStatusListIndex();
    leaked.getSpec().setRevoked(true);
    client.resource(leaked).update();
    operator.awaitCondition("apps", "leaked", Conditions.REVOCATION_PUBLISHED, Conditions.TRUE);

    for (String namespace : new String[] {"apps", RunningOperator.OPERATOR_NAMESPACE}) {
      ConfigMap trust = operator.trustConfigMap(namespace);
      SignedJWT jwt = verifiedStatusList(trust);
      assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.EdDSA);
      assertThat(jwt.getHeader().getType()).isEqualTo(new JOSEObjectType("statuslist+jwt"));
      assertThat(jwt.getHeader().getIncludedParams())
          .containsExactlyInAnyOrder("alg", "kid", "typ");
      JWTClaimsSet claims = jwt.getJWTClaimsSet();
      assertThat(claims.getSubject()).isEqualTo("https://tokens.example/sl");
      assertThat(claims.getIssueTime().toInstant()).isEqualTo(RunningOperator.START);
      assertThat(claims.getExpirationTime().toInstant())
          .isEqualTo(RunningOperator.START.plus(Duration.ofHours(1)));
      assertThat(claims.getLongClaim("ttl")).isEqualTo(30);
      Map<String, Object> statusList = claims.getJSONObjectClaim("status_list");
      assertThat(((Number) statusList.get("bits")).intValue()).isEqualTo(1);
      String lst = (String) statusList.get("lst");
      assertThat(draftBit(lst, revoked)).isEqualTo(1);
      assertThat(draftBit(lst, kept)).isZero();
      assertThat(lst)
          .as("the JSON file beside it is derived from the same bits")
          .isEqualTo(
              dev.apitoken.format.status.StatusListDocument.parse(
                      trust.getData().get(TrustDocument.STATUS_LIST_KEY))
                  .lst());
    }
  }

  @Test
  void theHeartbeatReSignsBeforeExpiryWithoutAnyChange() throws Exception {
    MutableClock clock = new MutableClock(RunningOperator.START);
    operator = new RunningOperator(client, clock, "--status-list-validity=20m");
    operator.start();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                operator.trustConfigMap() != null
                    && operator.trustConfigMap().getData().containsKey("status-list.jwt"));
    JWTClaimsSet first = verifiedStatusList(operator.trustConfigMap()).getJWTClaimsSet();
    assertThat(first.getExpirationTime().toInstant())
        .isEqualTo(RunningOperator.START.plus(Duration.ofMinutes(20)));

    clock.advance(Duration.ofMinutes(4));
    // Not due yet (a quarter of 20 minutes is 5): the same token stays.
    assertThat(verifiedStatusList(operator.trustConfigMap()).getJWTClaimsSet().getIssueTime())
        .isEqualTo(first.getIssueTime());
    clock.advance(Duration.ofMinutes(1));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                verifiedStatusList(operator.trustConfigMap())
                    .getJWTClaimsSet()
                    .getIssueTime()
                    .toInstant()
                    .equals(RunningOperator.START.plus(Duration.ofMinutes(5))));
    JWTClaimsSet second = verifiedStatusList(operator.trustConfigMap()).getJWTClaimsSet();
    assertThat(second.getExpirationTime().toInstant())
        .isEqualTo(RunningOperator.START.plus(Duration.ofMinutes(25)));
  }
}
