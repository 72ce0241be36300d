package dev.apitoken.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaInteger;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.jse.JseBaseLib;

/**
 * Runs the Argo CD health check in {@code examples/argocd/apitoken-health.lua} the way Argo CD
 * does: {@code obj} is a Lua table made from the object's JSON, and only the base, package and
 * table libraries are loaded (Argo CD disables the other standard libraries unless useOpenLibs is
 * set).
 */
public final class ArgoCdHealthScript {
  public static final Path ARGOCD =
      Path.of(System.getProperty("repo.root", "..")).resolve("examples").resolve("argocd");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What the script returned: Argo CD reads exactly these two fields. */
  public record Health(String status, String message) {}

  private ArgoCdHealthScript() {}

  public static Health evaluate(HasMetadata resource) {
    try {
      Globals globals = new Globals();
      globals.load(new JseBaseLib());
      globals.load(new PackageLib());
      globals.load(new TableLib());
      LoadState.install(globals);
      LuaC.install(globals);
      globals.set("obj", toLua(JSON.readTree(Serialization.asJson(resource))));
      LuaValue result = globals.load(script(), "apitoken-health.lua").call();
      if (!result.istable()) {
        throw new AssertionError("the script returns a table, not " + result);
      }
      return new Health(result.get("status").tojstring(), result.get("message").optjstring(null));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String script() throws IOException {
    return Files.readString(ARGOCD.resolve("apitoken-health.lua"));
  }

  /** JSON to Lua as Argo CD converts an unstructured object: maps and lists become tables. */
  static LuaValue toLua(JsonNode node) {
    if (node.isObject()) {
      LuaTable table = new LuaTable();
      node.fields()
          .forEachRemaining(
              field -> {
                if (!field.getValue().isNull()) {
                  table.set(field.getKey(), toLua(field.getValue()));
                }
              });
      return table;
    }
    if (node.isArray()) {
      LuaTable table = new LuaTable();
      int index = 1;
      for (JsonNode item : node) {
        table.set(index++, toLua(item));
      }
      return table;
    }
    if (node.isIntegralNumber()) {
      return LuaInteger.valueOf(node.asLong());
    }
    if (node.isNumber()) {
      return LuaValue.valueOf(node.asDouble());
    }
    if (node.isBoolean()) {
      return LuaValue.valueOf(node.asBoolean());
    }
    if (node.isTextual()) {
      return LuaValue.valueOf(node.asText());
    }
    return LuaValue.NIL;
  }
}
