package dev.apitoken.kubectl;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Clock;

/**
 * What a command runs with: how to reach the cluster, the time, and the standard streams. Tests
 * pass the mock server's client and a fixed clock.
 */
public record Env(Clients clients, Clock clock, InputStream in, PrintStream out, PrintStream err) {

  /** Opens a client as the command line asks (context, kubeconfig, impersonation, timeout). */
  @FunctionalInterface
  public interface Clients {
    KubernetesClient connect(Connection connection);
  }
}
