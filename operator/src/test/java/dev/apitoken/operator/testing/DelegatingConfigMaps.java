package dev.apitoken.operator.testing;

import dev.apitoken.operator.store.ConfigMapApi;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.util.List;
import java.util.Map;

/** Passes every call on to another API; tests override the one they hook. */
public class DelegatingConfigMaps implements ConfigMapApi {
  private final ConfigMapApi api;

  public DelegatingConfigMaps(ConfigMapApi api) {
    this.api = api;
  }

  @Override
  public ConfigMap get(String namespace, String name) {
    return api.get(namespace, name);
  }

  @Override
  public List<ConfigMap> list(String namespace, Map<String, String> labels) {
    return api.list(namespace, labels);
  }

  @Override
  public ConfigMap create(ConfigMap configMap) {
    return api.create(configMap);
  }

  @Override
  public ConfigMap update(ConfigMap configMap) {
    return api.update(configMap);
  }

  @Override
  public void delete(String namespace, String name) {
    api.delete(namespace, name);
  }

  @Override
  public AutoCloseable watch(String namespace, Map<String, String> labels, Handler handler) {
    return api.watch(namespace, labels, handler);
  }
}
