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
            new SampleOptions(
                Path.of("/etc/apitoken-trust"),
                null,
                "https://iss",
                null,
                8080,
                null,
                false,
                false));
  }

  @Test
  void everyOptionInBothSpellings() {
    SampleOptions options =
        SampleOptions.parse(
            new String[] {
              "--trust-dir=/trust", "--issuer", "https://iss", "--audience=orders", "--port", "0"
            });

    assertThat(options)
        .isEqualTo(
            new SampleOptions(
                Path.of("/trust"), null, "https://iss", "orders", 0, null, false, false));
  }

  @Test
  void theHttpChannelAloneOrWithTheMount() {
    SampleOptions httpOnly =
        SampleOptions.parse(
            new String[] {
              "--trust-url",
              "https://tokens.example.com",
              "--issuer",
              "https://iss",
              "--max-status-age=10m",
              "--allow-unsigned-status-list"
            });
    SampleOptions both =
        SampleOptions.parse(
            new String[] {
              "--trust-url=https://tokens.example.com", "--trust-dir", "/trust", "--issuer", "i"
            });

    assertThat(httpOnly.trustDirectory()).isNull();
    assertThat(httpOnly.trustUrl()).hasToString("https://tokens.example.com");
    assertThat(httpOnly.maxStatusListAge()).isEqualTo(java.time.Duration.ofMinutes(10));
    assertThat(httpOnly.allowUnsignedStatusList()).isTrue();
    assertThat(both.trustDirectory()).isEqualTo(Path.of("/trust"));
    assertThat(both.trustUrl()).hasToString("https://tokens.example.com");
    assertThatThrownBy(
            () -> SampleOptions.parse(new String[] {"--trust-url", "ftp://x", "--issuer", "i"}))
        .hasMessageContaining("--trust-url");
    assertThatThrownBy(
            () -> SampleOptions.parse(new String[] {"--max-status-age", "0s", "--issuer", "i"}))
        .hasMessageContaining("--max-status-age");
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
