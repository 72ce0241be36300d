package dev.apitoken.verifier;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;

import dev.apitoken.format.UntrustedText;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Calls {@code check} on a daemon thread whenever the directory reports a change, and at least
 * every {@code interval} regardless: inotify does not see every kind of update (a remounted volume,
 * a network file system), the periodic check does.
 */
final class TrustDirectoryWatcher implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(TokenVerifier.class.getName());

  private final long intervalMillis;
  private final Runnable check;
  private final WatchService watchService;
  private final Thread thread;
  private volatile boolean running = true;

  TrustDirectoryWatcher(Path directory, Duration interval, Runnable check) {
    this.intervalMillis = interval.toMillis();
    this.check = check;
    this.watchService = register(directory);
    this.thread = new Thread(this::run, "apitoken-trust-watcher");
    thread.setDaemon(true);
    thread.start();
  }

  private static WatchService register(Path directory) {
    WatchService service = null;
    try {
      service = directory.getFileSystem().newWatchService();
      directory.register(service, ENTRY_CREATE, ENTRY_MODIFY, ENTRY_DELETE);
      return service;
    } catch (IOException | UnsupportedOperationException e) {
      LOG.log(Level.INFO, "cannot watch {0} ({1}); polling it instead", directory, e.toString());
      if (service != null) {
        try {
          service.close();
        } catch (IOException ignored) {
          // Nothing left to release.
        }
      }
      return null;
    }
  }

  private void run() {
    while (running) {
      try {
        if (watchService != null) {
          WatchKey key = watchService.poll(intervalMillis, TimeUnit.MILLISECONDS);
          if (key != null) {
            key.pollEvents();
            key.reset();
          }
        } else {
          Thread.sleep(intervalMillis);
        }
        if (running) {
          check.run();
        }
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return;
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "trust directory check failed: {0}", UntrustedText.describe(e));
      }
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    if (watchService != null) {
      try {
        watchService.close();
      } catch (IOException e) {
        LOG.log(Level.DEBUG, "closing the watch service failed", e);
      }
    }
    if (Thread.currentThread() != thread) {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(2));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
