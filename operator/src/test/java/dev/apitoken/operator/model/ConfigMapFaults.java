package dev.apitoken.operator.model;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A mock-server dispatcher in front of the CRUD dispatcher that, while a fault window is open,
 * answers every ConfigMap write from one client (picked by its User-Agent) with an error, as an API
 * server that is failing (500) or refusing the object (422, as at the size limit) would. Reads,
 * watches and every other client's requests pass through, so the test sees the true state.
 */
final class ConfigMapFaults extends Dispatcher {
  private static final Pattern CONFIG_MAP_PATH =
      Pattern.compile("^/api/v1/namespaces/[^/]+/configmaps(/[^/?]+)?(\\?.*)?$");
  private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "DELETE");

  private final Dispatcher delegate;
  private final String faultedUserAgent;
  private volatile int code;
  private final AtomicInteger refused = new AtomicInteger();

  ConfigMapFaults(Dispatcher delegate, String faultedUserAgent) {
    this.delegate = delegate;
    this.faultedUserAgent = faultedUserAgent;
  }

  /** From now on the faulted client's ConfigMap writes get {@code code} (500 or 422). */
  void open(int code) {
    this.code = code;
  }

  /** The API server is healthy again. */
  void heal() {
    this.code = 0;
  }

  boolean isOpen() {
    return code != 0;
  }

  /** How many writes were answered with an error so far. */
  int refused() {
    return refused.get();
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    int answer = code;
    if (answer != 0
        && WRITES.contains(request.getMethod())
        && faultedUserAgent.equals(request.getHeader("User-Agent"))
        && CONFIG_MAP_PATH.matcher(request.getPath()).matches()) {
      refused.incrementAndGet();
      return new MockResponse()
          .setResponseCode(answer)
          .setHeader("Content-Type", "application/json")
          .setBody(
              Serialization.asJson(
                  new StatusBuilder()
                      .withStatus("Failure")
                      .withCode(answer)
                      .withReason(answer == 422 ? "Invalid" : "InternalError")
                      .withMessage(
                          answer == 422
                              ? "ConfigMap is too long: must have at most 1048576 bytes"
                              : "etcdserver: request timed out")
                      .build()));
    }
    return delegate.dispatch(request);
  }

  @Override
  public void shutdown() {
    delegate.shutdown();
  }
}
