package dev.apitoken.operator.token;

import static dev.apitoken.operator.token.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apitoken.format.TokenClaims;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TokenClaimsTest {

  @Test
  void truncatesInstantsToWholeSeconds() {
    TokenClaims claims = Fixtures.claims().issuedAt(T0.plusMillis(999)).build();

    assertThat(claims.issuedAt()).isEqualTo(T0);
    assertThat(claims.notBefore()).isEqualTo(T0);
    assertThat(claims.expiresAt()).isEqualTo(T0.plusSeconds(86_400));
  }

  @Test
  void joinsScopesWithSpaces() {
    assertThat(Fixtures.claims().scopes("read", "write").build().scope()).isEqualTo("read write");
    assertThat(Fixtures.claims().scopes().build().scope()).isEmpty();
  }

  @Test
  void copiesItsLists() {
    List<String> scopes = new ArrayList<>(List.of("read"));
    TokenClaims claims = new TokenClaims("i", "s", List.of(), scopes, T0, T0, T0, "j", 0, "u");

    scopes.add("write");

    assertThat(claims.scopes()).containsExactly("read");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "read write", "tab\there", "new\nline"})
  void rejectsScopesThatWouldNotReadBack(String scope) {
    assertThatThrownBy(() -> Fixtures.claims().scopes("ok", scope).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("scope");
  }

  @Test
  void rejectsANegativeStatusIndex() {
    assertThatThrownBy(() -> Fixtures.claims().statusIndex(-1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("statusIndex");
  }
}
