package dev.apitoken.kubectl;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * How to reach the cluster and the operator: the options every cluster subcommand takes. The
 * connection flags are kubectl's own, with kubectl's meaning, so a user's habits and scripts carry
 * over; they reach the API through the client's configuration, never by hand.
 */
public final class KubeOptions {
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
      names = "--as",
      paramLabel = "USER",
      description = "Username to impersonate for the operation (a user or a service account).")
  String impersonateUser;

  @Option(
      names = "--as-group",
      paramLabel = "GROUP",
      description = "Group to impersonate for the operation; repeat it for several groups.")
  List<String> impersonateGroups = new ArrayList<>();

  @Option(
      names = "--request-timeout",
      paramLabel = "DURATION",
      converter = RequestTimeoutConverter.class,
      description =
          "How long to wait for one API request before giving up, e.g. 5s, 1m (a bare number is"
              + " seconds; 0: no timeout). Default: the client's, 10s.")
  Duration requestTimeout;

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

  /** The connection these flags ask for. */
  Connection connection() {
    if (impersonateUser == null && !impersonateGroups.isEmpty()) {
      // kubectl refuses the same: the API server cannot impersonate groups without a user.
      throw CliException.usage("--as-group needs --as: groups are impersonated with a user");
    }
    return new Connection(
        context, kubeconfig, impersonateUser, List.copyOf(impersonateGroups), requestTimeout);
  }

  /** kubectl's --request-timeout: a Go duration (1h2m3s, 500ms) or a bare number of seconds. */
  static final class RequestTimeoutConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return GoDuration.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(
            "--request-timeout takes a duration such as 5s, 1m or 500ms, or a number of seconds,"
                + " not '"
                + value
                + "'");
      }
    }
  }
}
