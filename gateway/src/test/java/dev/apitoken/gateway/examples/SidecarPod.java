package dev.apitoken.gateway.examples;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pod of examples/gateway/sidecar.yaml: the app, the nginx auth proxy with its nginx.conf (from
 * the ConfigMap the pod mounts) and the gateway with its command line.
 */
record SidecarPod(JsonNode deployment, JsonNode service, JsonNode proxyConfigMap) {
  static final String APP = "app";
  static final String PROXY = "auth-proxy";
  static final String GATEWAY = "gateway";

  static SidecarPod load() {
    List<JsonNode> documents = ExampleFiles.documents(ExampleFiles.SIDECAR);
    return new SidecarPod(
        ExampleFiles.one(documents, "Deployment"),
        ExampleFiles.one(documents, "Service"),
        ExampleFiles.one(documents, "ConfigMap"));
  }

  JsonNode podSpec() {
    return deployment.at("/spec/template/spec");
  }

  JsonNode container(String name) {
    for (JsonNode container : podSpec().path("containers")) {
      if (container.path("name").asText().equals(name)) {
        return container;
      }
    }
    throw new AssertionError("no container " + name);
  }

  JsonNode volume(String name) {
    for (JsonNode volume : podSpec().path("volumes")) {
      if (volume.path("name").asText().equals(name)) {
        return volume;
      }
    }
    throw new AssertionError("no volume " + name);
  }

  /** A container's port number by the port's name. */
  int port(String container, String portName) {
    for (JsonNode port : container(container).path("ports")) {
      if (port.path("name").asText().equals(portName)) {
        return port.path("containerPort").asInt();
      }
    }
    throw new AssertionError(container + " has no port named " + portName);
  }

  /** The gateway's command line. */
  List<String> gatewayArgs() {
    List<String> args = new ArrayList<>();
    container(GATEWAY).path("args").forEach(a -> args.add(a.asText()));
    return args;
  }

  /** The gateway's flags by name; a flag twice fails, as the gateway itself refuses it. */
  Map<String, String> gatewayFlags() {
    List<String> args = gatewayArgs();
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      String name = arg;
      String value;
      int equals = arg.indexOf('=');
      if (arg.startsWith("--") && equals > 0) {
        name = arg.substring(0, equals);
        value = arg.substring(equals + 1);
      } else if (i + 1 < args.size()) {
        value = args.get(++i);
      } else {
        throw new AssertionError(arg + " needs a value");
      }
      if (flags.put(name, value) != null) {
        throw new AssertionError(name + " is given twice");
      }
    }
    return flags;
  }

  /** The nginx.conf the proxy runs: the file its {@code -c} names, from the mounted ConfigMap. */
  String nginxConf() {
    List<String> command = new ArrayList<>();
    container(PROXY).path("command").forEach(c -> command.add(c.asText()));
    int flag = command.indexOf("-c");
    if (flag < 0 || flag + 1 >= command.size()) {
      throw new AssertionError("the proxy runs no -c <nginx.conf>: " + command);
    }
    String path = command.get(flag + 1);
    for (JsonNode mount : container(PROXY).path("volumeMounts")) {
      String dir = mount.path("mountPath").asText();
      if (path.startsWith(dir + "/")) {
        String key = path.substring(dir.length() + 1);
        String configMap = volume(mount.path("name").asText()).at("/configMap/name").asText();
        if (!configMap.equals(proxyConfigMap.at("/metadata/name").asText())) {
          throw new AssertionError(path + " comes from ConfigMap " + configMap);
        }
        JsonNode conf = proxyConfigMap.path("data").path(key);
        if (!conf.isTextual()) {
          throw new AssertionError("ConfigMap " + configMap + " has no key " + key);
        }
        return conf.asText();
      }
    }
    throw new AssertionError(path + " is on no mounted volume");
  }

  /** The container port the Service sends traffic to. */
  int servedPort() {
    JsonNode target = service.at("/spec/ports/0/targetPort");
    return target.isInt() ? target.asInt() : port(PROXY, target.asText());
  }
}
