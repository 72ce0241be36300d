package dev.apitoken.operator.realapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The real API server's audit log (JSON lines, level Metadata): every request the impersonator
 * made, that is, every request an operator running as the chart's ServiceAccount made.
 */
public final class AuditLog {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One request: who it was made as, what it asked for, and the answer's status code. */
  public record Event(
      String user,
      String verb,
      String apiGroup,
      String resource,
      String subresource,
      String namespace,
      String name,
      int code,
      String stage) {
    /** {@code resource} or {@code resource/subresource}, as RBAC rules name it. */
    public String rbacResource() {
      return subresource.isEmpty() ? resource : resource + "/" + subresource;
    }
  }

  private AuditLog() {}

  /** Completed requests (stage ResponseComplete, or Panic), in log order. */
  public static List<Event> read(Path log) {
    List<Event> events = new ArrayList<>();
    if (!Files.exists(log)) {
      return events;
    }
    try {
      for (String line : Files.readAllLines(log)) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode e = JSON.readTree(line);
        String stage = e.path("stage").asText();
        if (!stage.equals("ResponseComplete") && !stage.equals("Panic")) {
          continue;
        }
        JsonNode ref = e.path("objectRef");
        events.add(
            new Event(
                e.path("impersonatedUser")
                    .path("username")
                    .asText(e.path("user").path("username").asText()),
                e.path("verb").asText(),
                ref.path("apiGroup").asText(""),
                ref.path("resource").asText(""),
                ref.path("subresource").asText(""),
                ref.path("namespace").asText(""),
                ref.path("name").asText(""),
                e.path("responseStatus").path("code").asInt(),
                stage));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return events;
  }
}
