package dev.apitoken.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.apitoken.operator.api.ApiTokenSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The corpus of hostile specs in {@code src/test/resources/hostile/specs.yaml}. */
public final class HostileSpecs {
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final Pattern REPEATED_KEY = Pattern.compile("^<(.+)\\*([0-9]+)>$");

  /**
   * One corpus entry.
   *
   * @param fix what the condition message must contain: the field to change
   */
  public record HostileSpec(String name, ApiTokenSpec spec, String fix) {
    @Override
    public String toString() {
      return name;
    }
  }

  private HostileSpecs() {}

  public static List<HostileSpec> load() {
    try (InputStream in = HostileSpecs.class.getResourceAsStream("/hostile/specs.yaml")) {
      List<HostileSpec> corpus = new ArrayList<>();
      for (JsonNode entry : YAML.readTree(in)) {
        JsonNode spec = expand(entry.get("spec"));
        corpus.add(
            new HostileSpec(
                entry.get("name").asText(),
                YAML.treeToValue(spec, ApiTokenSpec.class),
                entry.get("fix").asText()));
      }
      return corpus;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode expand(JsonNode node) {
    if (node.isObject() && node.has("repeat") && node.has("times")) {
      int times = node.get("times").asInt();
      JsonNode unit = node.get("repeat");
      if (unit.isArray()) {
        ArrayNode copies = JsonNodeFactory.instance.arrayNode();
        for (int i = 0; i < times; i++) {
          unit.forEach(copies::add);
        }
        return copies;
      }
      return TextNode.valueOf(unit.asText().repeat(times));
    }
    if (node.isObject()) {
      ObjectNode expanded = JsonNodeFactory.instance.objectNode();
      Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        Matcher repeated = REPEATED_KEY.matcher(field.getKey());
        String key =
            repeated.matches()
                ? repeated.group(1).repeat(Integer.parseInt(repeated.group(2)))
                : field.getKey();
        expanded.set(key, expand(field.getValue()));
      }
      return expanded;
    }
    if (node.isArray()) {
      ArrayNode expanded = JsonNodeFactory.instance.arrayNode();
      node.forEach(item -> expanded.add(expand(item)));
      return expanded;
    }
    return node;
  }
}
