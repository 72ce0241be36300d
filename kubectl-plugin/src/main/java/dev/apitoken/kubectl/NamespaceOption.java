package dev.apitoken.kubectl;

import picocli.CommandLine.Option;

/**
 * {@code -n}: only on the commands that act in a user's namespace. Commands on the operator's own
 * objects ({@code keys}) do not take it: a flag that changes nothing would mislead.
 */
public final class NamespaceOption {
  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NS",
      description = "The namespace (default: the kubeconfig context's, else 'default').")
  String namespace;
}
