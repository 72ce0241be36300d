package dev.apitoken.gateway;

import dev.apitoken.format.UntrustedText;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Holds the current {@link Policy} and reloads it when the file's content changes. The file is read
 * through its path every poll, so a ConfigMap volume's {@code ..data} symlink swap is seen like an
 * edit in place; comparing content (not modification times, which a swap may keep) decides whether
 * anything changed. A file that fails to load keeps the previous policy in force, is logged once
 * and counted, and is tried again only when its content changes.
 */
final class PolicyWatcher implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(PolicyWatcher.class.getName());

  private final Path file;
  private final GatewayMetrics metrics;
  private final Clock clock;
  private final ScheduledExecutorService poller;
  private volatile Policy policy;
  private volatile String status;
  private byte[] lastSeen; // guarded by this

  /**
   * Loads {@code file} and starts following it.
   *
   * @throws PolicyException when the file cannot be read or used at start
   */
  PolicyWatcher(Path file, Duration pollInterval, GatewayMetrics metrics, Clock clock)
      throws PolicyException {
    this.file = file;
    this.metrics = metrics;
    this.clock = clock;
    byte[] content;
    try {
      content = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new PolicyException("cannot read policy file " + file + ": " + describe(e), e);
    }
    try {
      this.policy = PolicyFile.parse(text(content));
    } catch (PolicyException e) {
      throw new PolicyException("policy file " + file + ": " + e.getMessage(), e);
    }
    this.lastSeen = digest(content);
    this.status = "policy loaded from " + file + " at " + clock.instant();
    this.poller =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "gateway-policy-watcher");
              thread.setDaemon(true);
              return thread;
            });
    poller.scheduleWithFixedDelay(
        this::pollSafely, pollInterval.toMillis(), pollInterval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The policy in force. */
  Policy policy() {
    return policy;
  }

  /** One line for /readyz: when the policy was loaded, or why the latest change was refused. */
  String status() {
    return status;
  }

  /** Checks the file once now; the poller calls this every interval. */
  synchronized void poll() {
    byte[] content;
    try {
      content = Files.readAllBytes(file);
    } catch (IOException e) {
      byte[] marker = digest(("unreadable " + e.getClass().getName()).getBytes());
      if (!Arrays.equals(marker, lastSeen)) {
        lastSeen = marker;
        refuse("cannot read " + file + ": " + describe(e));
      }
      return;
    }
    byte[] fingerprint = digest(content);
    if (Arrays.equals(fingerprint, lastSeen)) {
      return;
    }
    lastSeen = fingerprint;
    try {
      policy = PolicyFile.parse(text(content));
      status = "policy reloaded from " + file + " at " + clock.instant();
      metrics.recordPolicyReload(true);
      LOG.log(Level.INFO, "policy reloaded from {0}", file);
    } catch (PolicyException e) {
      refuse(e.getMessage());
    }
  }

  // A scheduled task that throws is never run again: the policy would silently stop following.
  private void pollSafely() {
    try {
      poll();
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "checking the policy file failed: {0}", UntrustedText.describe(e));
    }
  }

  private void refuse(String reason) {
    status = "policy change refused at " + clock.instant() + ", previous policy kept: " + reason;
    metrics.recordPolicyReload(false);
    LOG.log(Level.WARNING, "policy file {0} refused, previous policy kept: {1}", file, reason);
  }

  @Override
  public void close() {
    poller.shutdownNow();
  }

  private static String text(byte[] content) {
    return new String(content, java.nio.charset.StandardCharsets.UTF_8);
  }

  private static String describe(IOException e) {
    return UntrustedText.escape(e.toString(), UntrustedText.MESSAGE_MAX_LENGTH);
  }

  private static byte[] digest(byte[] content) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(content);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
