package dev.apitoken.kubectl;

import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;

/** A subcommand that talks to the cluster. */
abstract class ClusterCommand implements Callable<Integer> {
  protected final Env env;

  @Mixin KubeOptions kube = new KubeOptions();

  private Cluster cluster;

  ClusterCommand(Env env) {
    this.env = env;
  }

  /** The namespace given on the command line, or null: only {@link NamespacedCommand} has -n. */
  protected String namespaceOption() {
    return null;
  }

  protected Cluster cluster() {
    if (cluster == null) {
      cluster = new Cluster(env.clients().connect(kube.connection()), kube, namespaceOption());
    }
    return cluster;
  }

  protected Instant now() {
    return env.clock().instant();
  }
}
