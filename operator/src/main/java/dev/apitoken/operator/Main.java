package dev.apitoken.operator;

import dev.apitoken.operator.config.ConfigLoader;
import dev.apitoken.operator.config.InvalidConfigException;
import dev.apitoken.operator.config.OperatorConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.security.SecureRandom;
import java.time.Clock;

/** Runs the operator against the cluster the environment points at (in-cluster or kubeconfig). */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    OperatorConfig config;
    try {
      config = ConfigLoader.load(args, System.getenv());
    } catch (InvalidConfigException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    KubernetesClient client = new KubernetesClientBuilder().build();
    ApiTokenOperator operator =
        new ApiTokenOperator(
            client,
            config,
            ApiTokenOperator.Tuning.production(),
            Clock.systemUTC(),
            new SecureRandom());
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  operator.close();
                  client.close();
                },
                "shutdown"));
    operator.start();
  }
}
