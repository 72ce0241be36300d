package dev.apitoken.kubectl;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The connection a command line asks for: kubectl's {@code --context}, {@code --kubeconfig}, {@code
 * --as}, {@code --as-group} and {@code --request-timeout}. Null fields keep the kubeconfig's (or
 * the client's) own setting.
 */
public record Connection(
    String context,
    Path kubeconfig,
    String impersonateUser,
    List<String> impersonateGroups,
    Duration requestTimeout) {

  /** The current context of the default kubeconfig, as nothing on the command line changes it. */
  public static Connection defaults() {
    return new Connection(null, null, null, List.of(), null);
  }
}
