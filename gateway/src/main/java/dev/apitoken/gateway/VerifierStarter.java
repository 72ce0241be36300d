package dev.apitoken.gateway;

import dev.apitoken.format.TrustLoadException;
import dev.apitoken.format.UntrustedText;
import dev.apitoken.verifier.TokenVerifier;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Builds the gateway's one {@link TokenVerifier}, and keeps trying while the trust directory cannot
 * be loaded yet (not mounted, no {@code jwks.json}, malformed): the gateway answers 503 meanwhile
 * instead of exiting, so a pod that starts before its ConfigMap is complete becomes ready on its
 * own.
 */
final class VerifierStarter implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(VerifierStarter.class.getName());

  private final Supplier<TokenVerifier> factory;
  private final ScheduledExecutorService retries;
  private volatile TokenVerifier verifier;
  private volatile String problem = "the verifier is not built yet";
  private volatile boolean closed;

  VerifierStarter(Supplier<TokenVerifier> factory, Duration retryInterval) {
    this.factory = factory;
    this.retries =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "gateway-trust-start");
              thread.setDaemon(true);
              return thread;
            });
    if (!tryBuild()) {
      retries.scheduleWithFixedDelay(
          this::retry, retryInterval.toMillis(), retryInterval.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** The verifier, or null while its trust could not be loaded yet. */
  TokenVerifier verifier() {
    return verifier;
  }

  /** Why there is no verifier yet; meaningful only while {@link #verifier()} is null. */
  String problem() {
    return problem;
  }

  private void retry() {
    if (tryBuild()) {
      retries.shutdown();
    }
  }

  private synchronized boolean tryBuild() {
    if (closed || verifier != null) {
      return true;
    }
    try {
      verifier = factory.get();
      LOG.log(Level.INFO, "trust loaded: {0}", verifier.lastReloadStatus().message());
      return true;
    } catch (RuntimeException e) {
      // TrustLoadException above all; anything else must not end the retries either, since a
      // scheduled task that throws is never run again and the gateway would answer 503 for good.
      String message =
          e instanceof TrustLoadException
              ? UntrustedText.escape(e.getMessage(), UntrustedText.MESSAGE_MAX_LENGTH)
              : UntrustedText.describe(e);
      if (!message.equals(problem)) {
        LOG.log(Level.WARNING, "trust not loaded yet, retrying: {0}", message);
      }
      problem = message;
      return false;
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    retries.shutdownNow();
    if (verifier != null) {
      verifier.close();
    }
  }
}
