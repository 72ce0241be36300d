package dev.apitoken.kubectl;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where to find the cluster and the operator: the options every subcommand takes. */
public final class KubeOptions {
  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NS",
      description = "The namespace (default: the kubeconfig context's, else 'default').")
  String namespace;

  @Option(
      names = "--context",
      paramLabel = "CONTEXT",
      description = "The kubeconfig context to use (default: the current context).")
  String context;

  @Option(
      names = "--kubeconfig",
      paramLabel = "FILE",
      description = "The kubeconfig file (default: $KUBECONFIG, else ~/.kube/config).")
  Path kubeconfig;

  @Option(
      names = "--operator-namespace",
      paramLabel = "NS",
      defaultValue = "${env:APITOKEN_OPERATOR_NAMESPACE:-apitoken-system}",
      description =
          "Where the operator runs: its issue records, trust ConfigMap and key ring"
              + " (env APITOKEN_OPERATOR_NAMESPACE; default: ${DEFAULT-VALUE}).")
  String operatorNamespace;

  @Option(
      names = "--trust-configmap",
      paramLabel = "NAME",
      defaultValue = "${env:APITOKEN_TRUST_CONFIGMAP:-apitoken-trust}",
      description =
          "The operator's --trust-configmap (env APITOKEN_TRUST_CONFIGMAP; default:"
              + " ${DEFAULT-VALUE}).")
  String trustConfigMap;

  @Option(
      names = "--key-ring-secret",
      paramLabel = "NAME",
      defaultValue = "${env:APITOKEN_KEY_RING_SECRET:-apitoken-signing-keys}",
      description =
          "The operator's --key-ring-secret (env APITOKEN_KEY_RING_SECRET; default:"
              + " ${DEFAULT-VALUE}).")
  String keyRingSecret;
}
