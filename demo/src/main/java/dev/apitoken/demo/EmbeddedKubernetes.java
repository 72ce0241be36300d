package dev.apitoken.demo;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.util.HashMap;
import java.util.List;

/**
 * An in-process Kubernetes API (Fabric8's mock server in CRUD mode) for the embedded run. It is not
 * a real API server: no admission validation, no garbage collection, no server-side apply.
 */
public final class EmbeddedKubernetes implements AutoCloseable {
  /**
   * The mock server logs every request at INFO through java.util.logging. Held here because
   * java.util.logging keeps loggers weakly: a setting on an unreferenced logger is lost at GC.
   */
  private static final java.util.logging.Logger MOCK_SERVER_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  private final KubernetesMockServer server;
  private final KubernetesClient client;

  public EmbeddedKubernetes() {
    MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
    server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesCrudDispatcher(List.of()),
            false);
    server.init();
    client = server.createClient();
  }

  public KubernetesClient client() {
    return client;
  }

  public void createNamespace(String name) {
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
