package dev.apitoken.operator.testing;

import dev.apitoken.operator.store.ConfigMapApi;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.List;
import java.util.Map;

/**
 * A ConfigMap API of which only the watch works: the test feeds one ConfigMap's versions to whoever
 * watches (the Status List provider reads nothing else).
 */
public final class FedConfigMaps implements ConfigMapApi {
  private final String namespace;
  private final String name;
  private volatile Handler handler;

  public FedConfigMaps(String namespace, String name) {
    this.namespace = namespace;
    this.name = name;
  }

  /** Delivers a new version of the ConfigMap with {@code data} to the watcher. */
  public void publish(Map<String, String> data) {
    ConfigMap map =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withNamespace(namespace)
            .withName(name)
            .endMetadata()
            .withData(data)
            .build();
    handler.changed(namespace, name, map);
  }

  @Override
  public AutoCloseable watch(String namespace, Map<String, String> labels, Handler handler) {
    this.handler = handler;
    return () -> {};
  }

  @Override
  public ConfigMap get(String namespace, String name) {
    throw new UnsupportedOperationException();
  }

  @Override
  public List<ConfigMap> list(String namespace, Map<String, String> labels) {
    throw new UnsupportedOperationException();
  }

  @Override
  public ConfigMap create(ConfigMap configMap) {
    throw new UnsupportedOperationException();
  }

  @Override
  public ConfigMap update(ConfigMap configMap) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void delete(String namespace, String name) {
    throw new UnsupportedOperationException();
  }
}
