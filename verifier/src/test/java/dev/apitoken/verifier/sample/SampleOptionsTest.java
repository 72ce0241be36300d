package dev.apitoken.verifier.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SampleOptionsTest {
  @Test
  void defaultsNeedOnlyTheIssuer() {
    SampleOptions options = SampleOptions.parse(new String[] {"--issuer", "https://iss"});

    assertThat(options)
        .isEqualTo(
            new SampleOptions(Path.of("/etc/apitoken-trust"), "https://iss", null, 8080, false));
  }

  @Test
  void everyOptionInBothSpellings() {
    SampleOptions options =
        SampleOptions.parse(
            new String[] {
              "--trust-dir=/trust", "--issuer", "https://iss", "--audience=orders", "--port", "0"
            });

    assertThat(options)
        .isEqualTo(new SampleOptions(Path.of("/trust"), "https://iss", "orders", 0, false));
  }

  @Test
  void helpWinsOverEverythingElse() {
    assertThat(SampleOptions.parse(new String[] {"--port", "x", "--help"}).help()).isTrue();
    assertThat(SampleOptions.parse(new String[] {"--help", "--port", "x"}).help()).isTrue();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          --trust-dir /t                       | --issuer is required
          --issuer                             | --issuer needs a value
          --issuer a --issuer b                | --issuer is given twice
          --issuer a --port 70000              | --port must be a number from 0 to 65535
          --issuer a --port eighty             | --port must be a number from 0 to 65535
          --issuer a --verbose                 | unknown argument --verbose
          --issuer=                            | --issuer must not be empty
          """)
  void wrongArgumentsAreNamed(String args, String message) {
    assertThatThrownBy(() -> SampleOptions.parse(args.split(" ")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }
}
