package dev.apitoken.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The policy file is read strictly, and the most specific route decides. */
class PolicyFileTest {

  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          routes:\\n  - pathPrefix: /a\\n    scope: [x]                | unknown key "scope" at routes[0]
          defaults:\\n  deny: true                                    | unknown key "defaults"
          headers:\\n  subjet: X-Sub                                  | unknown key "subjet" at headers
          routes:\\n  - pathPrefix: /a\\n    scopes: orders:admin      | invalid value at routes[0].scopes
          default:\\n  deny: "yes"                                     | invalid value at default.deny
          default:\\n  deny: true\\n  deny: false                     | Duplicate field 'deny' (line 3
          routes:\\n  - pathPrefix: admin                             | routes[0].pathPrefix must start with /
          routes:\\n  - pathPrefix: /a/../b                           | must be a canonical path
          routes:\\n  - audience: orders                              | routes[0] needs a host, a pathPrefix or both
          routes:\\n  - pathPrefix: /a\\n    anonymous: true\\n    deny: true | anonymous and deny exclude each other
          routes:\\n  - pathPrefix: /a\\n    anonymous: true\\n    scopes: [x] | mean nothing on a route that is anonymous
          routes:\\n  - host: orders.example.com:443                  | routes[0].host must be a DNS name
          routes:\\n  - pathPrefix: /a\\n  - pathPrefix: /a            | routes[0] and routes[1] have the same host and pathPrefix
          routes:\\n  - pathPrefix: /a\\n    scopes: ['a"b']          | without " or \\, got
          headers:\\n  subject: "X Sub"                               | headers.subject must be an HTTP header name
          default:\\n  audience: ""                                   | default.audience must be one non-empty word
          headers:\\n  subject: X-Id\\n  tokenId: x-id               | headers: x-id is named twice
          headers:\\n  subject: WWW-Authenticate                      | headers.subject: WWW-Authenticate is a header the gateway
          """)
  void refusesAFileWithAMessageNamingTheKey(String yaml, String message) {
    assertThatThrownBy(() -> PolicyFile.parse(yaml.replace("\\n", "\n")))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining(message);
  }

  @Test
  void anEmptyMappingIsTheDefaultPolicyButAnEmptyFileIsRefused() throws PolicyException {
    assertThat(PolicyFile.parse("{}")).isEqualTo(Policy.DEFAULT);
    for (String empty : new String[] {"", "# nothing yet\n"}) {
      assertThatThrownBy(() -> PolicyFile.parse(empty))
          .isInstanceOf(PolicyException.class)
          .hasMessageContaining("the policy file is empty");
    }
  }

  @Test
  void readsTheContractsExample() throws PolicyException {
    Policy policy =
        PolicyFile.parse(
            """
            headers:
              subject: X-Auth-Subject
              scopes: X-Auth-Scopes
              tokenId: X-Auth-Token-Id
              audience: X-Auth-Audience
            default:
              audience: orders
              scopes: []
            routes:
              - host: orders.example.com
                pathPrefix: /admin
                audience: orders
                scopes: [orders:admin]
              - pathPrefix: /healthz
                anonymous: true
            """);

    assertThat(policy.headers()).isEqualTo(IdentityHeaders.DEFAULT);
    assertThat(policy.ruleFor("orders.example.com", "/admin/x"))
        .isEqualTo(new Rule("orders", List.of("orders:admin"), false, false));
    assertThat(policy.ruleFor("ORDERS.example.com", "/admin/x")).isEqualTo(policy.defaultRule());
    assertThat(policy.ruleFor("other.example.com", "/admin/x"))
        .isEqualTo(new Rule("orders", List.of(), false, false));
    assertThat(policy.ruleFor(null, "/healthz").anonymous()).isTrue();
    assertThat(policy.ruleFor(null, "/healthzz").anonymous()).isFalse();
  }

  @Test
  void anExactHostBeatsAWildcardAndAPrefixEndingInSlashCoversItsChildrenOnly()
      throws PolicyException {
    Policy policy =
        PolicyFile.parse(
            """
            routes:
              - host: "*.example.com"
                deny: true
              - host: api.example.com
                anonymous: true
              - pathPrefix: /docs/
                anonymous: true
            """);

    assertThat(policy.ruleFor("api.example.com", "/x").anonymous()).isTrue();
    assertThat(policy.ruleFor("web.example.com", "/x").deny()).isTrue();
    assertThat(policy.ruleFor("example.com", "/x")).isEqualTo(Rule.TOKEN_REQUIRED);
    assertThat(policy.ruleFor(null, "/docs/a").anonymous()).isTrue();
    assertThat(policy.ruleFor(null, "/docs").anonymous()).isFalse();
  }
}
