package dev.apitoken.operator.runtime;

import java.util.Objects;

/**
 * The two questions the kubelet asks over HTTP. Implementations answer from memory: a probe must
 * never wait on the Kubernetes API.
 */
public interface Readiness {

  /** Whether the process is working at all; a failing answer makes the kubelet restart it. */
  Check liveness();

  /** Whether the process has finished starting and can do its job (as leader or as standby). */
  Check readiness();

  /** One probe answer: the message is returned as the response body, so it says why. */
  record Check(boolean ok, String message) {
    public Check {
      Objects.requireNonNull(message, "message");
    }

    public static Check ok(String message) {
      return new Check(true, message);
    }

    public static Check failing(String message) {
      return new Check(false, message);
    }
  }
}
