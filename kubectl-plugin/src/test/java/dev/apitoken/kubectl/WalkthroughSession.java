package dev.apitoken.kubectl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.testing.CapturedLogs;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import dev.apitoken.verifier.Rejection;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Counter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A user at the terminal going through a README section about the ApiToken {@code shop/...} whose
 * token is in Secret {@code secret}: each command typed a minute after the previous one, the
 * operator's clock moving on for a waiting kubectl only as far as the operator keeps up, every
 * token the user could have seen remembered, so that none may appear in any output or log line.
 */
final class WalkthroughSession {
  /** A user types the next command a minute after the previous one. */
  static final Duration TYPING_PAUSE = Duration.ofMinutes(1);

  private final RunningOperator operator;
  private final MutableClock clock;
  private final String namespace;
  private final String secret;
  private final Duration reconcileWait;
  private final KubectlSession session;
  private final List<String> tokensSeen = new ArrayList<>();

  /**
   * @param kubectl the client kubectl acts with
   * @param reconcileWait how long a step of a waiting kubectl may wait for a reconciliation
   */
  WalkthroughSession(
      KubernetesClient kubectl,
      RunningOperator operator,
      MutableClock clock,
      String namespace,
      String secret,
      Duration reconcileWait) {
    this.operator = operator;
    this.clock = clock;
    this.namespace = namespace;
    this.secret = secret;
    this.reconcileWait = reconcileWait;
    this.session = new KubectlSession(kubectl, new OperatorTime());
  }

  void runBlock(List<String> commands) {
    runBlock(commands, Map.of());
  }

  /** Runs a block's commands in order; a README command must succeed as a user would run it. */
  void runBlock(List<String> commands, Map<String, String> placeholders) {
    for (String command : commands) {
      clock.advance(TYPING_PAUSE);
      Instant typedAt = clock.instant();
      KubectlSession.Result result = session.run(command, placeholders);
      // The session as a user saw it, in the test's output file.
      System.out.printf(
          "[walkthrough %s] $ %s%n  exit %d, clock +%s%n%s%s",
          typedAt,
          command,
          result.code(),
          Duration.between(typedAt, clock.instant()),
          result.out().indent(2),
          result.err().indent(2));
      assertThat(result.code())
          .as("exit code of '%s' (stdout: %s, stderr: %s)", command, result.out(), result.err())
          .isZero();
    }
  }

  /** The token in the Secret now, remembered as seen. */
  String currentToken() {
    String token = operator.tokenValue(namespace, secret);
    assertThat(token).as("token in Secret %s", secret).isNotNull();
    if (!tokensSeen.contains(token)) {
      tokensSeen.add(token);
    }
    return token;
  }

  /** Every command run so far and what it printed. */
  List<KubectlSession.Ran> transcript() {
    return session.transcript();
  }

  List<String> tokensSeen() {
    return List.copyOf(tokensSeen);
  }

  /** The time the last {@code $(date ...)} of the session stood for, or null before any. */
  String lastSubstitution() {
    List<String> dates = session.substitutions();
    return dates.isEmpty() ? null : dates.get(dates.size() - 1);
  }

  /** The verifier library's rejection of {@code token} against the namespace's trust copy. */
  Optional<Rejection> verdict(String token) {
    return operator.verifierFor(namespace).verify(token).rejection();
  }

  /** No output of any command, and no log line, shows a token seen (its signature). */
  void assertNoTokenShown() {
    for (KubectlSession.Ran ran : session.transcript()) {
      for (String token : tokensSeen) {
        String signature = token.substring(token.lastIndexOf('.') + 1);
        assertThat(ran.result().out() + ran.result().err())
            .as("output of '%s'", ran.line())
            .doesNotContain(signature);
      }
    }
    CapturedLogs.assertNoTokenIn(tokensSeen);
  }

  private final class OperatorTime implements KubectlSession.TestTime {
    @Override
    public Clock clock() {
      return clock;
    }

    @Override
    public void pass(Duration step) {
      clock.advance(step);
      // A reconciliation that starts from now on reads the new time: wait until one has finished.
      double startedSoFar = reconciliations("started");
      await()
          .atMost(reconcileWait)
          .until(() -> reconciliations("success") + reconciliations("failed") >= startedSoFar + 1);
    }

    private double reconciliations(String outcome) {
      return operator.metrics().find("operator.sdk.reconciliations." + outcome).counters().stream()
          .mapToDouble(Counter::count)
          .sum();
    }
  }
}
