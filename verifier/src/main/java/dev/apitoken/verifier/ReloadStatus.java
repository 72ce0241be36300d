package dev.apitoken.verifier;

import java.time.Instant;
import java.util.Objects;

/**
 * The outcome of the latest attempt to load the trust directory.
 *
 * @param time when the attempt finished, by the verifier's clock
 * @param ok whether the new keys and status list are in use; when false the previous ones stay
 * @param message what was loaded, or why loading failed
 */
public record ReloadStatus(Instant time, boolean ok, String message) {
  public ReloadStatus {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(message, "message");
  }

  static ReloadStatus ok(Instant time, String message) {
    return new ReloadStatus(time, true, message);
  }

  static ReloadStatus failed(Instant time, String message) {
    return new ReloadStatus(time, false, message);
  }
}
