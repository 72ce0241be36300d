package dev.apitoken.operator.realapi;

import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One {@link RealApiServer} for every real-API test class in the JVM: started by the first class
 * that asks for it (a {@code RealApiServer} parameter), kept in the root store, stopped when the
 * test run ends. Missing binaries fail the test, naming {@code bash .ci/install-realapi.sh}.
 */
public final class RealApi implements ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(RealApi.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == RealApiServer.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return server(context);
  }

  static RealApiServer server(ExtensionContext context) {
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(
            RealApiServer.class, key -> RealApiServer.start(workDir()), RealApiServer.class);
  }

  private static Path workDir() {
    String root = System.getProperty("repo.root");
    Path repo = Path.of(root == null || root.isBlank() ? ".." : root).toAbsolutePath().normalize();
    return repo.resolve("operator/target/realapi");
  }
}
