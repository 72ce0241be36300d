package dev.apitoken.kubectl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The README walkthrough's shell and kubectl interpreter: it splits words as bash does and refuses
 * everything outside the subset the README uses, before any API call (so no cluster here).
 */
class KubectlSessionTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-01-01T10:20:30Z"), ZoneOffset.UTC);

  private final KubectlSession session =
      new KubectlSession(
          null,
          new KubectlSession.TestTime() {
            @Override
            public Clock clock() {
              return CLOCK;
            }

            @Override
            public void pass(Duration step) {
              throw new AssertionError("no waiting here");
            }
          });

  @Test
  void splitsQuotesEscapesCommentsAndDateSubstitutionAsBashDoes() {
    List<String> commands =
        ShellWords.commandLines(
            List.of(
                "# a comment line",
                "kubectl patch apitoken orders-reader -n shop --type=merge \\",
                "  -p \"{\\\"spec\\\":{\\\"revokeIssuedBefore\\\":\\\"$(date -u"
                    + " +%Y-%m-%dT%H:%M:%SZ)\\\"}}\"   # trailing comment",
                "",
                "kubectl wait --for=jsonpath='{.a[?(@.type==\"X\")].status}'=True apitoken/x"));
    assertThat(commands).hasSize(2);
    assertThat(ShellWords.words(commands.get(0), Map.of(), argv -> "2026-01-01T10:20:30Z\n"))
        .containsExactly(
            "kubectl",
            "patch",
            "apitoken",
            "orders-reader",
            "-n",
            "shop",
            "--type=merge",
            "-p",
            "{\"spec\":{\"revokeIssuedBefore\":\"2026-01-01T10:20:30Z\"}}");
    assertThat(ShellWords.words(commands.get(1), Map.of(), argv -> ""))
        .containsExactly(
            "kubectl", "wait", "--for=jsonpath={.a[?(@.type==\"X\")].status}=True", "apitoken/x");
    assertThat(
            ShellWords.words(
                "kubectl apitoken keys revoke <kid>  # x", Map.of("kid", "k1"), a -> ""))
        .containsExactly("kubectl", "apitoken", "keys", "revoke", "k1");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "kubectl get secret s -o jsonpath='{.data.token}' | base64 -d",
        "kubectl get secret s > token",
        "kubectl annotate apitoken x a=$NOW",
        "kubectl annotate apitoken x a=`date`",
        "kubectl annotate apitoken x a=$(whoami)",
        "kubectl annotate apitoken x a=$(date +%s)",
        "kubectl annotate apitoken x a=b; kubectl delete apitoken x",
        "kubectl delete apitoken orders-reader -n shop",
        "kubectl apply -f examples/02-scoped-with-rotation.yaml",
        "kubectl patch apitoken x -n shop -p '{}'",
        "kubectl patch apitoken x -n shop --type=json -p '[]'",
        "kubectl patch apitoken x -n shop --type=merge -p '{}' --dry-run=server",
        "kubectl patch deployment x -n shop --type=merge -p '{}'",
        "kubectl annotate apitoken x a-",
        "kubectl get apitoken x -n shop -o yaml",
        "kubectl wait --for=delete apitoken/x -n shop",
        "kubectl wait --for=condition=Ready secret/x -n shop",
        "kubectl wait --for=condition=Ready apitoken/x -n shop --timeout=1d",
        "kubectl apitoken keys revoke <key-id>",
        "kubectl apitoken status x --context prod",
        "helm list",
        "kubectl get apitoken x -n shop -n other -o jsonpath='{.a}'",
      })
  void refusesWhatTheSubsetDoesNotCover(String line) {
    assertThatThrownBy(() -> session.run(line, Map.of("kid", "k1")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void dateReadsTheTestClock() {
    // refused after the words are made (an annotation removal), so before any API call
    assertThatThrownBy(
            () ->
                session.run(
                    "kubectl annotate apitoken x a-$(date -u +%Y-%m-%dT%H:%M:%SZ)", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a-2026-01-01T10:20:30Z");
    assertThat(session.substitutions()).containsExactly("2026-01-01T10:20:30Z");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        // generation | condition observedGeneration | status | met
        "3|3|True|true",
        "3|2|True|false",
        "3|3|False|false",
      })
  void aConditionWaitIgnoresAConditionForAnOlderGeneration(
      long generation, long observed, String status, boolean met) throws Exception {
    JsonNode object =
        Cluster.JSON.readTree(
            "{\"metadata\":{\"generation\":"
                + generation
                + "},\"status\":{\"conditions\":[{\"type\":\"PreviousTokensRevoked\",\"status\":\""
                + status
                + "\",\"observedGeneration\":"
                + observed
                + "}]}}");
    assertThat(KubectlSession.conditionMet(object, "PreviousTokensRevoked", "True")).isEqualTo(met);
  }

  @ParameterizedTest
  @CsvSource({"15m,PT15M", "1h30m,PT1H30M", "45s,PT45S"})
  void timeoutsAreGoDurations(String text, Duration expected) {
    assertThat(KubectlSession.duration(text)).isEqualTo(expected);
  }
}
