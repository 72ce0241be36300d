package dev.apitoken.operator.publish;

import java.util.Set;

/** The namespaces the selector picks now; tells of changes. */
public interface NamespaceSource extends AutoCloseable {
  void start(Runnable onChange);

  Set<String> selected();

  @Override
  void close();
}
