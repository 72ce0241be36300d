package dev.apitoken.operator.bench;

import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListDocument;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.IssuedToken;
import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.publish.TrustConfigMapWriter;
import dev.apitoken.operator.revocation.TrustDocument;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** What workloads read: the trust ConfigMap copies, decoded as the verifier decodes them. */
final class TrustCopies {
  private TrustCopies() {}

  /** Follows every trust ConfigMap the operator publishes, in every namespace. */
  static Tracker<ConfigMap> track(KubernetesClient client) {
    return new Tracker<>(
        client
            .configMaps()
            .inAnyNamespace()
            .withLabels(
                Map.of(
                    Labels.MANAGED_BY,
                    Labels.MANAGED_BY_VALUE,
                    Labels.COMPONENT,
                    TrustConfigMapWriter.COMPONENT)));
  }

  /** The copy's status list; null when it has none or it does not parse. */
  static StatusList statusList(ConfigMap map) {
    String json = map.getData() == null ? null : map.getData().get(TrustDocument.STATUS_LIST_KEY);
    if (json == null) {
      return null;
    }
    try {
      return StatusListDocument.parse(json).statusList();
    } catch (RuntimeException unreadable) {
      return null;
    }
  }

  /** True when every index is INVALID in this copy. */
  static boolean allRevoked(ConfigMap map, Collection<Long> indices) {
    StatusList list = statusList(map);
    return list != null
        && indices.stream().allMatch(i -> i < list.size() && list.get(i) == StatusList.INVALID);
  }

  /** Every status-list index an ApiToken's tokens hold. */
  static List<Long> indices(ApiToken token) {
    return token.getStatus().getTokens().stream().map(IssuedToken::getIndex).toList();
  }

  static Collection<Long> indices(Collection<ApiToken> tokens) {
    TreeSet<Long> all = new TreeSet<>();
    tokens.forEach(t -> all.addAll(indices(t)));
    return all;
  }

  /** What {@code kubectl patch --type=merge -p '{"spec":{"revoked":true}}'} sends. */
  static void revoke(KubernetesClient client, ApiToken token) {
    client
        .resources(ApiToken.class)
        .inNamespace(token.getMetadata().getNamespace())
        .withName(token.getMetadata().getName())
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"revoked\":true}}");
  }
}
