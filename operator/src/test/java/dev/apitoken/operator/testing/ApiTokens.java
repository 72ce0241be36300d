package dev.apitoken.operator.testing;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.ApiTokenSpec;
import dev.apitoken.operator.api.SecretTemplate;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.Map;

/** Builds ApiToken fixtures: {@code ApiTokens.named("a").in("ns").subject("svc").build()}. */
public final class ApiTokens {
  private final ApiToken token = new ApiToken();

  private ApiTokens(String name) {
    token.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("default").build());
    token.setSpec(new ApiTokenSpec());
    token.getSpec().setSubject(name + "-client");
  }

  public static ApiTokens named(String name) {
    return new ApiTokens(name);
  }

  public ApiTokens in(String namespace) {
    token.getMetadata().setNamespace(namespace);
    return this;
  }

  public ApiTokens subject(String subject) {
    token.getSpec().setSubject(subject);
    return this;
  }

  public ApiTokens audiences(String... audiences) {
    token.getSpec().setAudiences(List.of(audiences));
    return this;
  }

  public ApiTokens scopes(String... scopes) {
    token.getSpec().setScopes(List.of(scopes));
    return this;
  }

  public ApiTokens ttl(String ttl) {
    token.getSpec().setTtl(ttl);
    return this;
  }

  public ApiTokens renewBefore(String renewBefore) {
    token.getSpec().setRenewBefore(renewBefore);
    return this;
  }

  public ApiTokens secretName(String secretName) {
    token.getSpec().setSecretName(secretName);
    return this;
  }

  public ApiTokens secretLabels(Map<String, String> labels) {
    SecretTemplate template = new SecretTemplate();
    template.setLabels(labels);
    token.getSpec().setSecretTemplate(template);
    return this;
  }

  public ApiTokens revoked() {
    token.getSpec().setRevoked(true);
    return this;
  }

  public ApiTokens revokeAt(String revokeAt) {
    token.getSpec().setRevokeAt(revokeAt);
    return this;
  }

  public ApiToken build() {
    return token;
  }
}
