package dev.apitoken.kubectl;

import picocli.CommandLine.Mixin;

/** A subcommand that acts in one namespace of the user's: it takes {@code -n}. */
abstract class NamespacedCommand extends ClusterCommand {
  @Mixin NamespaceOption namespace = new NamespaceOption();

  NamespacedCommand(Env env) {
    super(env);
  }

  @Override
  protected String namespaceOption() {
    return namespace.namespace;
  }
}
