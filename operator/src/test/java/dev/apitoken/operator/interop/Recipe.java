package dev.apitoken.operator.interop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The verifier recipes in {@code examples/recipes/<language>/}, each run as its CLI {@code verify
 * <trust-dir> <issuer> <audience>}. What a recipe needs is installed by {@code
 * .ci/install-recipe-deps.sh}; when it is missing the test fails saying so, never skips.
 */
enum Recipe {
  PYTHON("python/apitoken_verify.py") {
    @Override
    Command prepare(Path root, Path workDir) throws IOException, InterruptedException {
      // Debian's python3-jwt lives beside Debian's interpreter, not pyenv's python3 on PATH.
      String python = "/usr/bin/python3";
      requireSuccess(
          List.of(python, "-c", "import jwt, cryptography.hazmat.primitives.asymmetric.ed25519"),
          root,
          Map.of(),
          python + " with PyJWT and cryptography (Debian: python3-jwt python3-cryptography)");
      return new Command(List.of(python, source(root).toString()), Map.of());
    }
  },
  NODE("node/apitoken-verify.mjs") {
    @Override
    Command prepare(Path root, Path workDir) throws IOException, InterruptedException {
      requireSuccess(List.of("node", "--version"), root, Map.of(), "node (18 or later)");
      Path jose = source(root).resolveSibling("node_modules/jose/package.json");
      if (!Files.isRegularFile(jose)) {
        throw missing("jose in examples/recipes/node/node_modules (npm ci there)", "");
      }
      return new Command(List.of("node", source(root).toString()), Map.of());
    }
  },
  GO("go/main.go") {
    @Override
    Command prepare(Path root, Path workDir) throws IOException, InterruptedException {
      // GOPATH mode with Debian's golang-gopkg-square-go-jose.v2-dev: no module proxy needed.
      Map<String, String> env =
          Map.of("GO111MODULE", "off", "GOPATH", "/usr/share/gocode", "GOFLAGS", "");
      Path binary = workDir.resolve("apitoken-verify");
      requireSuccess(
          List.of("go", "build", "-o", binary.toString(), "."),
          source(root).getParent(),
          env,
          "go (1.19 or later) and go-jose v2 (Debian: golang-go golang-gopkg-square-go-jose.v2-dev)");
      return new Command(List.of(binary.toString()), Map.of());
    }
  };

  static final String INSTALL_SCRIPT = ".ci/install-recipe-deps.sh";

  /** A recipe CLI ready to start: the command before its arguments, and its environment. */
  record Command(List<String> prefix, Map<String, String> env) {}

  private final String source;

  Recipe(String source) {
    this.source = source;
  }

  /** The recipe's source file. */
  Path source(Path root) {
    return root.resolve("examples/recipes").resolve(source);
  }

  /**
   * Checks that the interpreter and libraries are there (building the Go binary into {@code
   * workDir}) and returns the command that runs the CLI.
   *
   * @throws AssertionError naming the install script when something is missing
   */
  abstract Command prepare(Path root, Path workDir) throws IOException, InterruptedException;

  private static void requireSuccess(
      List<String> command, Path dir, Map<String, String> env, String what)
      throws InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.environment().putAll(env);
    builder.redirectErrorStream(true);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw missing(what, e.getMessage());
    }
    String output;
    try {
      output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      output = e.toString();
    }
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw missing(what, String.join(" ", command) + " did not finish");
    }
    if (process.exitValue() != 0) {
      throw missing(what, output);
    }
  }

  private static AssertionError missing(String what, String detail) {
    return new AssertionError(
        "the recipe needs "
            + what
            + "; run "
            + INSTALL_SCRIPT
            + " (what CI runs before mvn verify)"
            + (detail.isBlank() ? "" : "\n" + detail.strip()));
  }
}
