package dev.apitoken.kubectl;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code kubectl apitoken}: the entry point the {@code kubectl-apitoken} launcher runs. */
@Command(
    name = "kubectl apitoken",
    mixinStandardHelpOptions = true,
    version = "kubectl-apitoken 0.1.0",
    description = {
      "Day-2 operations and incident response for ApiTokens. Every request is a field or"
          + " annotation the operator watches, written with your own kubeconfig and RBAC.",
      ""
    },
    footer = {
      "",
      "Exit codes: 0 ok, 1 error (API refused, unreachable), 2 usage, 3 not found,",
      "4 not ready (status NAME) or rejected (verify).",
      "Run 'kubectl apitoken COMMAND --help' for a command's options."
    })
public final class Main implements Callable<Integer> {
  /**
   * A person waits for the answer: retry a failed call twice, quickly, then say what failed (the
   * client's default backs off for about 20 s).
   */
  static final int RETRIES = 2;

  static final int RETRY_INTERVAL_MS = 200;

  private final Env env;

  Main(Env env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    new CommandLine(this).usage(env.err());
    return ExitCodes.USAGE;
  }

  public static void main(String[] args) {
    Env env = new Env(Main::connect, Clock.systemUTC(), System.in, System.out, System.err);
    System.exit(run(args, env));
  }

  /** Runs one command line; returns its exit code. */
  public static int run(String[] args, Env env) {
    if (args.length > 0 && args[0].equals(CompleteCommand.NAME)) {
      // Not parsed by picocli: the words to complete may be anything, even '--' or '-h'.
      return CompleteCommand.run(
          commandLine(env).getCommandSpec(), List.of(args).subList(1, args.length), env);
    }
    CommandLine cli = commandLine(env);
    cli.setOut(new PrintWriter(env.out(), true, StandardCharsets.UTF_8));
    cli.setErr(new PrintWriter(env.err(), true, StandardCharsets.UTF_8));
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof CliException cli1) {
            env.err().println("error: " + cli1.getMessage());
            return cli1.exitCode();
          }
          // Messages only, never a stack trace: it may quote whatever the cluster returned.
          env.err().println("error: " + e);
          return ExitCodes.ERROR;
        });
    int code = cli.execute(args);
    env.out().flush();
    env.err().flush();
    return code;
  }

  static CommandLine commandLine(Env env) {
    CommandLine root = new CommandLine(new Main(env));
    root.addSubcommand("status", new StatusCommand(env));
    root.addSubcommand("renew", new RenewCommand(env));
    root.addSubcommand("revoke", new RevokeCommand(env));
    root.addSubcommand("rotate", new RotateCommand(env));
    root.addSubcommand("list-revoked", new ListRevokedCommand(env));
    CommandLine keys = new CommandLine(new KeysCommand(env));
    keys.addSubcommand("revoke", new KeysRevokeCommand(env));
    root.addSubcommand("keys", keys);
    root.addSubcommand("inspect", new InspectCommand(env));
    root.addSubcommand("verify", new VerifyCommand(env));
    root.addSubcommand("completion", new CompletionCommand(env));
    root.addSubcommand("__train", new TrainCommand(env));
    return root;
  }

  /** The user's kubeconfig, as kubectl reads it, with the command line's overrides. */
  static KubernetesClient connect(Connection connection) {
    String context = connection.context();
    Path kubeconfig = connection.kubeconfig();
    Config config;
    if (kubeconfig == null) {
      config = Config.autoConfigure(context);
    } else {
      try {
        config =
            Config.fromKubeconfig(
                context, Files.readString(kubeconfig), kubeconfig.toAbsolutePath().toString());
      } catch (IOException e) {
        throw CliException.usage("cannot read --kubeconfig " + kubeconfig + ": " + e.getMessage());
      } catch (RuntimeException notAKubeconfig) {
        // The client's parse errors name its own classes, not the file.
        throw CliException.usage("--kubeconfig " + kubeconfig + " is not a kubeconfig file");
      }
    }
    if (context != null
        && (config.getCurrentContext() == null
            || !context.equals(config.getCurrentContext().getName()))) {
      throw CliException.usage("no context '" + context + "' in the kubeconfig");
    }
    if (connection.impersonateUser() != null) {
      config.setImpersonateUsername(connection.impersonateUser());
      config.setImpersonateGroups(connection.impersonateGroups().toArray(String[]::new));
    }
    Duration timeout = connection.requestTimeout();
    if (timeout != null) {
      // kubectl's 0 means "no timeout"; the client's is 0 too.
      int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
      config.setRequestTimeout(millis);
      if (millis > 0 && millis < config.getConnectionTimeout()) {
        config.setConnectionTimeout(millis);
      }
    }
    config.setRequestRetryBackoffLimit(RETRIES);
    config.setRequestRetryBackoffInterval(RETRY_INTERVAL_MS);
    return new KubernetesClientBuilder().withConfig(config).build();
  }
}
