package dev.apitoken.operator.model;

import dev.apitoken.operator.publish.NamespaceSource;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The namespaces the target selector picks, shared by every replica of a model run; each replica
 * gets its own {@link #source()}, closed with it, as each process runs its own informer.
 */
final class ModelNamespaces {
  private final Set<String> selected = new TreeSet<>();
  private final CopyOnWriteArrayList<Runnable> listeners = new CopyOnWriteArrayList<>();

  synchronized Set<String> selected() {
    return Set.copyOf(selected);
  }

  void select(String namespace) {
    synchronized (this) {
      if (!selected.add(namespace)) {
        return;
      }
    }
    listeners.forEach(Runnable::run);
  }

  void deselect(String namespace) {
    synchronized (this) {
      if (!selected.remove(namespace)) {
        return;
      }
    }
    listeners.forEach(Runnable::run);
  }

  NamespaceSource source() {
    return new NamespaceSource() {
      private Runnable listener;

      @Override
      public void start(Runnable onChange) {
        listener = onChange;
        listeners.add(onChange);
      }

      @Override
      public Set<String> selected() {
        return new TreeSet<>(ModelNamespaces.this.selected());
      }

      @Override
      public void close() {
        if (listener != null) {
          listeners.remove(listener);
        }
      }
    };
  }
}
