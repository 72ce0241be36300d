package dev.apitoken.operator.store;

import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.revocation.IssueRecord;
import dev.apitoken.operator.revocation.IssueRecordShard;
import dev.apitoken.operator.revocation.RevokedRecords;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;

/** Reads the operator's stored revocation state the way an admin would: from the ConfigMaps. */
public final class StoredState {
  private StoredState() {}

  /** The revocations as stored in the shards {@code <prefix>-<n>} of {@code namespace}. */
  public static RevokedRecords revoked(KubernetesClient client, String namespace, String prefix) {
    return RevokedRecords.empty().with(records(client, namespace, prefix));
  }

  /** Every issue record stored in the shards {@code <prefix>-<n>} of {@code namespace}. */
  public static List<IssueRecord> records(
      KubernetesClient client, String namespace, String prefix) {
    List<IssueRecord> records = new ArrayList<>();
    for (ConfigMap map : shardMaps(client, namespace, prefix, ShardedStore.COMPONENT)) {
      records.addAll(IssueRecordShard.decode(map.getData()).records());
    }
    return records;
  }

  public static List<ConfigMap> shardMaps(
      KubernetesClient client, String namespace, String prefix, String component) {
    return client
        .configMaps()
        .inNamespace(namespace)
        .withLabels(Labels.managed(component))
        .list()
        .getItems()
        .stream()
        .filter(
            m -> m.getMetadata().getName().matches(java.util.regex.Pattern.quote(prefix) + "-\\d+"))
        .toList();
  }
}
