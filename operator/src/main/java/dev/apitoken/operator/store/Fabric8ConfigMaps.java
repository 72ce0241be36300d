package dev.apitoken.operator.store;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.util.List;
import java.util.Map;

/** {@link ConfigMapApi} over the Fabric8 client: what the operator uses against a cluster. */
public final class Fabric8ConfigMaps implements ConfigMapApi {
  private final KubernetesClient client;

  public Fabric8ConfigMaps(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public ConfigMap get(String namespace, String name) {
    return client.configMaps().inNamespace(namespace).withName(name).get();
  }

  @Override
  public List<ConfigMap> list(String namespace, Map<String, String> labels) {
    var query =
        namespace == null
            ? client.configMaps().inAnyNamespace()
            : client.configMaps().inNamespace(namespace);
    return query.withLabels(labels).list().getItems();
  }

  @Override
  public ConfigMap create(ConfigMap configMap) {
    return client
        .configMaps()
        .inNamespace(configMap.getMetadata().getNamespace())
        .resource(configMap)
        .create();
  }

  @Override
  public ConfigMap update(ConfigMap configMap) {
    return client
        .configMaps()
        .inNamespace(configMap.getMetadata().getNamespace())
        .resource(configMap)
        .update();
  }

  @Override
  public void delete(String namespace, String name) {
    client.configMaps().inNamespace(namespace).withName(name).delete();
  }

  @Override
  public AutoCloseable watch(String namespace, Map<String, String> labels, Handler handler) {
    var query =
        namespace == null
            ? client.configMaps().inAnyNamespace()
            : client.configMaps().inNamespace(namespace);
    return query
        .withLabels(labels)
        .inform(
            new ResourceEventHandler<>() {
              @Override
              public void onAdd(ConfigMap map) {
                handler.changed(map.getMetadata().getNamespace(), map.getMetadata().getName(), map);
              }

              @Override
              public void onUpdate(ConfigMap before, ConfigMap after) {
                handler.changed(
                    after.getMetadata().getNamespace(), after.getMetadata().getName(), after);
              }

              @Override
              public void onDelete(ConfigMap map, boolean finalStateUnknown) {
                handler.changed(
                    map.getMetadata().getNamespace(), map.getMetadata().getName(), null);
              }
            });
  }
}
