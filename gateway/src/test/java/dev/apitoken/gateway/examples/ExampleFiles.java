package dev.apitoken.gateway.examples;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The files of {@code examples/gateway/}, parsed as strictly as kubectl and the proxies do. */
final class ExampleFiles {
  static final String INGRESS_NGINX = "ingress-nginx.yaml";
  static final String TRAEFIK = "traefik.yaml";
  static final String ISTIO = "istio.yaml";
  static final String ENVOY = "envoy.yaml";
  static final String SIDECAR = "sidecar.yaml";
  static final List<String> ALL = List.of(INGRESS_NGINX, TRAEFIK, ISTIO, ENVOY, SIDECAR);

  // kubectl (sigs.k8s.io/yaml) and Envoy refuse a key twice in one mapping; Jackson would keep the
  // last one and hide the mistake.
  private static final YAMLMapper YAML =
      YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private ExampleFiles() {}

  static Path directory() {
    String root = System.getProperty("repo.root", "..");
    return Path.of(root).toAbsolutePath().normalize().resolve("examples/gateway");
  }

  static List<JsonNode> documents(String file) {
    try {
      return parse(Files.readString(directory().resolve(file)));
    } catch (IOException e) {
      throw new UncheckedIOException(file, e);
    }
  }

  /** Every non-empty document of a multi-document YAML text; fails on a duplicate key. */
  static List<JsonNode> parse(String yaml) throws IOException {
    List<JsonNode> documents = new ArrayList<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
      while (it.hasNext()) {
        JsonNode document = it.next();
        if (document != null && !document.isNull() && !document.isEmpty()) {
          documents.add(document);
        }
      }
    }
    return documents;
  }

  static JsonNode one(List<JsonNode> documents, String kind) {
    List<JsonNode> found =
        documents.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
    if (found.size() != 1) {
      throw new AssertionError("expected one " + kind + ", found " + found.size());
    }
    return found.get(0);
  }
}
