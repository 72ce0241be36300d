package dev.apitoken.operator.runtime;

import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;

/** Tells an {@link ApiServerClock} the {@code Date} of every response the API server sends. */
public final class ApiServerDates implements Interceptor {
  /** The name it is registered under in the Fabric8 HTTP client. */
  public static final String NAME = "api-server-dates";

  private final ApiServerClock clock;

  public ApiServerDates(ApiServerClock clock) {
    this.clock = clock;
  }

  @Override
  public void after(
      HttpRequest request, HttpResponse<?> response, AsyncBody.Consumer<List<ByteBuffer>> body) {
    parse(response.header("Date")).ifPresent(clock::observed);
  }

  static java.util.Optional<Instant> parse(String date) {
    if (date == null) {
      return java.util.Optional.empty();
    }
    try {
      return java.util.Optional.of(
          ZonedDateTime.parse(date.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
    } catch (DateTimeParseException unreadable) {
      return java.util.Optional.empty();
    }
  }
}
