package dev.apitoken.operator.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One running recipe CLI: a token per line in, a JSON verdict per line out. The process lives until
 * {@link #close()}, so trust changes between lines exercise its hot reload.
 */
final class RecipeCli implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String END = "\u0000end";

  private final Recipe recipe;
  private final Process process;
  private final Writer stdin;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final StringBuffer stderr = new StringBuffer();

  private RecipeCli(Recipe recipe, Process process) {
    this.recipe = recipe;
    this.process = process;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    daemon(recipe + "-stdout", () -> drain(process.getInputStream(), lines::add, true));
    daemon(recipe + "-stderr", () -> drain(process.getErrorStream(), this::appendStderr, false));
  }

  static RecipeCli start(
      Recipe recipe, Recipe.Command command, Path trustDir, String issuer, String audience)
      throws IOException {
    List<String> arguments = new ArrayList<>(command.prefix());
    arguments.addAll(List.of(trustDir.toString(), issuer, audience));
    ProcessBuilder builder = new ProcessBuilder(arguments);
    builder.environment().putAll(command.env());
    return new RecipeCli(recipe, builder.start());
  }

  /** Sends one token and waits (at most 10 s) for its verdict. */
  JsonNode verify(String token) throws IOException, InterruptedException {
    stdin.write(token + "\n");
    stdin.flush();
    String line = lines.poll(10, TimeUnit.SECONDS);
    if (line == null || line.equals(END)) {
      throw new AssertionError(
          recipe + " gave no verdict (alive: " + process.isAlive() + "); stderr:\n" + stderr);
    }
    return JSON.readTree(line);
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** What the recipe wrote to stderr so far (reload failures). */
  String stderr() {
    return stderr.toString();
  }

  @Override
  public void close() throws InterruptedException {
    try {
      stdin.close(); // end of input: the CLI exits on its own
    } catch (IOException alreadyGone) {
      // The process has exited; nothing to tell it.
    }
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }

  private static void daemon(String name, Runnable task) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    thread.start();
  }

  private void appendStderr(String line) {
    stderr.append(line).append('\n');
  }

  private void drain(InputStream stream, Consumer<String> sink, boolean isStdout) {
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        sink.accept(line);
      }
    } catch (IOException closed) {
      // The process ended.
    }
    if (isStdout) {
      lines.add(END);
    }
  }
}
