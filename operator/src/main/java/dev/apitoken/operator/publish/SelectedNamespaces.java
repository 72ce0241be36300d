package dev.apitoken.operator.publish;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Set;
import java.util.TreeSet;

/** Namespaces matching the target selector, from an informer. */
public final class SelectedNamespaces implements NamespaceSource {
  private final KubernetesClient client;
  private final String selector;
  private SharedIndexInformer<Namespace> informer;

  public SelectedNamespaces(KubernetesClient client, String selector) {
    this.client = client;
    this.selector = selector;
  }

  @Override
  public void start(Runnable onChange) {
    var query = client.namespaces();
    informer =
        (selector.isBlank() ? query : query.withLabelSelector(selector))
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Namespace ns) {
                    onChange.run();
                  }

                  @Override
                  public void onUpdate(Namespace before, Namespace after) {
                    onChange.run();
                  }

                  @Override
                  public void onDelete(Namespace ns, boolean finalStateUnknown) {
                    onChange.run();
                  }
                });
  }

  @Override
  public Set<String> selected() {
    Set<String> names = new TreeSet<>();
    informer.getStore().list().stream()
        .filter(ns -> ns.getMetadata().getDeletionTimestamp() == null)
        .forEach(ns -> names.add(ns.getMetadata().getName()));
    return names;
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
  }
}
