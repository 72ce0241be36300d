package dev.apitoken.gateway;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.apitoken.format.UntrustedText;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the policy YAML strictly: an unknown or repeated key, a wrong type, a string where a list
 * belongs, or a contradiction (a route that is both anonymous and denied) refuses the whole file
 * with a message naming the key, so a typo never silently weakens a route.
 */
public final class PolicyFile {
  private static final ObjectMapper YAML =
      YAMLMapper.builder(new YAMLFactory())
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
          .build();

  // RFC 9110 token characters: what a header name may contain.
  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}");
  // Set by the gateway on its answers, or by HTTP framing: an identity header must not replace one.
  private static final Set<String> RESERVED_HEADERS =
      Set.of(
          "www-authenticate",
          "retry-after",
          "cache-control",
          "content-type",
          "content-length",
          "transfer-encoding",
          "connection",
          "date",
          "authorization");
  private static final Pattern HOST =
      Pattern.compile("(\\*\\.)?[a-z0-9]([a-z0-9-]{0,62})(\\.[a-z0-9]([a-z0-9-]{0,62}))*");

  private PolicyFile() {}

  record HeadersDoc(
      @JsonProperty("subject") String subject,
      @JsonProperty("scopes") String scopes,
      @JsonProperty("tokenId") String tokenId,
      @JsonProperty("audience") String audience) {}

  record RuleDoc(
      @JsonProperty("audience") String audience,
      @JsonProperty("scopes") List<String> scopes,
      @JsonProperty("anonymous") Boolean anonymous,
      @JsonProperty("deny") Boolean deny) {}

  record RouteDoc(
      @JsonProperty("host") String host,
      @JsonProperty("pathPrefix") String pathPrefix,
      @JsonProperty("audience") String audience,
      @JsonProperty("scopes") List<String> scopes,
      @JsonProperty("anonymous") Boolean anonymous,
      @JsonProperty("deny") Boolean deny,
      @JsonProperty("ignoreCase") Boolean ignoreCase) {}

  record PolicyDoc(
      @JsonProperty("headers") HeadersDoc headers,
      @JsonProperty("default") RuleDoc defaultRule,
      @JsonProperty("routes") List<RouteDoc> routes) {}

  /**
   * Parses a policy file's text; {@code {}} is the {@link Policy#DEFAULT} policy, an empty file is
   * refused.
   *
   * @throws PolicyException naming the key or value that is wrong
   */
  public static Policy parse(String yaml) throws PolicyException {
    PolicyDoc doc;
    try {
      JsonNode tree = YAML.readTree(yaml);
      if (tree == null || tree.isMissingNode() || tree.isNull()) {
        // Refused rather than taken as the defaults: a file caught half-written by an in-place
        // edit reads as empty, and must not lift a route's deny for a poll interval.
        throw new PolicyException("the policy file is empty; write {} for the default policy");
      }
      doc = YAML.treeToValue(tree, PolicyDoc.class);
    } catch (UnrecognizedPropertyException e) {
      throw new PolicyException(
          "unknown key \""
              + UntrustedText.escape(e.getPropertyName())
              + "\""
              + where(e)
              + "; known keys: "
              + e.getKnownPropertyIds());
    } catch (JsonMappingException e) {
      throw new PolicyException("invalid value" + where(e) + ": " + firstLine(e));
    } catch (JsonProcessingException e) {
      throw new PolicyException("not valid YAML: " + firstLine(e));
    }
    IdentityHeaders headers = headers(doc.headers());
    Rule defaultRule =
        doc.defaultRule() == null
            ? Rule.TOKEN_REQUIRED
            : rule(
                "default",
                doc.defaultRule().audience(),
                doc.defaultRule().scopes(),
                doc.defaultRule().anonymous(),
                doc.defaultRule().deny());
    List<Route> routes = new ArrayList<>();
    List<RouteDoc> routeDocs = doc.routes() == null ? List.of() : doc.routes();
    for (int i = 0; i < routeDocs.size(); i++) {
      RouteDoc route = routeDocs.get(i);
      String at = "routes[" + i + "]";
      if (route == null) {
        throw new PolicyException(at + " is empty");
      }
      routes.add(
          new Route(
              host(at, route.host()),
              pathPrefix(at, route.pathPrefix(), route.host() != null),
              rule(at, route.audience(), route.scopes(), route.anonymous(), route.deny()),
              Boolean.TRUE.equals(route.ignoreCase())));
    }
    checkNoDuplicates(routes);
    return new Policy(headers, defaultRule, routes);
  }

  private static IdentityHeaders headers(HeadersDoc doc) throws PolicyException {
    IdentityHeaders defaults = IdentityHeaders.DEFAULT;
    if (doc == null) {
      return defaults;
    }
    IdentityHeaders headers =
        new IdentityHeaders(
            headerName("headers.subject", doc.subject(), defaults.subject()),
            headerName("headers.scopes", doc.scopes(), defaults.scopes()),
            headerName("headers.tokenId", doc.tokenId(), defaults.tokenId()),
            headerName("headers.audience", doc.audience(), defaults.audience()));
    Set<String> distinct = new HashSet<>();
    for (String name :
        List.of(headers.subject(), headers.scopes(), headers.tokenId(), headers.audience())) {
      if (!distinct.add(name.toLowerCase(Locale.ROOT))) {
        throw new PolicyException(
            "headers: " + name + " is named twice; each claim needs its own header");
      }
    }
    return headers;
  }

  private static String headerName(String key, String value, String fallback)
      throws PolicyException {
    if (value == null) {
      return fallback;
    }
    if (RESERVED_HEADERS.contains(value.toLowerCase(Locale.ROOT))) {
      throw new PolicyException(
          key + ": " + value + " is a header the gateway or HTTP itself sets; choose another name");
    }
    if (!HEADER_NAME.matcher(value).matches()) {
      throw new PolicyException(
          key + " must be an HTTP header name, got \"" + UntrustedText.escape(value) + "\"");
    }
    return value;
  }

  private static Rule rule(
      String at, String audience, List<String> scopes, Boolean anonymous, Boolean deny)
      throws PolicyException {
    boolean isAnonymous = Boolean.TRUE.equals(anonymous);
    boolean isDeny = Boolean.TRUE.equals(deny);
    List<String> required = scopes == null ? List.of() : scopes;
    for (String scope : required) {
      if (!isWord(scope)) {
        throw new PolicyException(
            at
                + ".scopes: a scope is one non-empty word of printable ASCII without \" or \\, got \""
                + UntrustedText.escape(scope)
                + "\"");
      }
    }
    if (audience != null && !isWord(audience)) {
      throw new PolicyException(
          at
              + ".audience must be one non-empty word of printable ASCII (leave it out for any"
              + " audience), got \""
              + UntrustedText.escape(audience)
              + "\"");
    }
    if (isAnonymous && isDeny) {
      throw new PolicyException(at + ": anonymous and deny exclude each other");
    }
    if ((isAnonymous || isDeny) && (audience != null || !required.isEmpty())) {
      throw new PolicyException(
          at
              + ": audience and scopes mean nothing on a route that is "
              + (isAnonymous ? "anonymous" : "denied"));
    }
    return new Rule(audience, required, isAnonymous, isDeny);
  }

  /**
   * One non-empty word of printable ASCII without {@code "} or {@code \\}: what RFC 6750's {@code
   * scope} attribute can carry, so the challenge built from it stays well formed.
   */
  private static boolean isWord(String value) {
    return value != null
        && !value.isEmpty()
        && value.chars().allMatch(c -> c > ' ' && c <= '~' && c != '"' && c != '\\');
  }

  private static String host(String at, String host) throws PolicyException {
    if (host == null) {
      return null;
    }
    String normalized = Route.normalizeHost(host);
    if (!HOST.matcher(normalized).matches()) {
      throw new PolicyException(
          at
              + ".host must be a DNS name or *.<DNS name>, without port, got \""
              + UntrustedText.escape(host)
              + "\"");
    }
    return normalized;
  }

  private static String pathPrefix(String at, String prefix, boolean hasHost)
      throws PolicyException {
    if (prefix == null) {
      if (!hasHost) {
        throw new PolicyException(at + " needs a host, a pathPrefix or both");
      }
      return "/";
    }
    if (!prefix.startsWith("/")) {
      throw new PolicyException(
          at + ".pathPrefix must start with /, got \"" + UntrustedText.escape(prefix) + "\"");
    }
    if (prefix.indexOf('%') >= 0 || !isCanonical(prefix)) {
      throw new PolicyException(
          at
              + ".pathPrefix must be a canonical path (no //, . or .. segments, no %-escapes, no ;,"
              + " \\ or control characters),"
              + " got \""
              + UntrustedText.escape(prefix)
              + "\"");
    }
    return prefix;
  }

  /** Whether requests can have {@code prefix} (less a trailing slash) as their canonical path. */
  private static boolean isCanonical(String prefix) {
    String withoutSlash =
        prefix.length() > 1 && prefix.endsWith("/")
            ? prefix.substring(0, prefix.length() - 1)
            : prefix;
    try {
      return CanonicalPath.of(prefix).equals(withoutSlash) && prefix.indexOf('?') < 0;
    } catch (RequestRefused e) {
      return false;
    }
  }

  private static void checkNoDuplicates(List<Route> routes) throws PolicyException {
    for (int i = 0; i < routes.size(); i++) {
      for (int j = i + 1; j < routes.size(); j++) {
        Route a = routes.get(i);
        Route b = routes.get(j);
        if (Objects.equals(a.host(), b.host()) && a.pathPrefix().equals(b.pathPrefix())) {
          throw new PolicyException(
              "routes["
                  + i
                  + "] and routes["
                  + j
                  + "] have the same host and pathPrefix; which one applies would be a guess");
        }
      }
    }
  }

  private static String where(JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference reference : e.getPath()) {
      if (reference.getFieldName() != null) {
        if (path.length() > 0) {
          path.append('.');
        }
        path.append(UntrustedText.escape(reference.getFieldName()));
      } else if (reference.getIndex() >= 0) {
        path.append('[').append(reference.getIndex()).append(']');
      }
    }
    return path.length() == 0 ? "" : " at " + path;
  }

  private static String firstLine(JsonProcessingException e) {
    String message = e.getOriginalMessage();
    if (message == null) {
      return e.getClass().getSimpleName();
    }
    int newline = message.indexOf('\n');
    String line = newline < 0 ? message : message.substring(0, newline);
    String location =
        e.getLocation() == null
            ? ""
            : " (line "
                + e.getLocation().getLineNr()
                + ", column "
                + e.getLocation().getColumnNr()
                + ")";
    return UntrustedText.escape(line, UntrustedText.MESSAGE_MAX_LENGTH) + location;
  }
}
