package dev.apitoken.kubectl;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;

/**
 * The plugin as the {@code kubectl-apitoken} launcher runs it ({@link Main#main} without its {@code
 * System.exit}): the cluster reached through a kubeconfig exactly as {@link Main#connect} reads it,
 * the system clock, standard input given, standard output and error captured.
 */
public final class InProcessPlugin {
  private InProcessPlugin() {}

  /** What a user sees: the exit code and the two output streams. */
  public record Result(int code, String out, String err) {}

  public static Result run(String stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Env env =
        new Env(
            Main::connect,
            Clock.systemUTC(),
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    int code = Main.run(args, env);
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
