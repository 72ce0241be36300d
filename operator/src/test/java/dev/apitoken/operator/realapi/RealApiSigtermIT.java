package dev.apitoken.operator.realapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 21, finding 2: SIGTERM (what the kubelet sends on a rollout or a drain) ends the leading
 * operator within 10 s and leaves the Lease released, so the next replica takes over at once rather
 * than after the lease duration. The shipped jar in its own JVM, as the chart's ServiceAccount, 20
 * times in a row. Runs in the verify phase, after the jar is built.
 */
@ExtendWith(RealApi.class)
class RealApiSigtermIT {
  private static final int RUNS = 20;
  private static final Duration EXIT_WITHIN = Duration.ofSeconds(10);

  private static InstalledOperator installed;

  @BeforeAll
  static void install(RealApiServer realApi) {
    installed = new InstalledOperator(realApi);
  }

  @AfterAll
  static void uninstall() throws Exception {
    installed.close();
  }

  @Test
  void sigtermEndsTheLeaderWithinTenSecondsAndReleasesTheLease() throws Exception {
    List<Long> exitMillis = new ArrayList<>();
    for (int run = 1; run <= RUNS; run++) {
      try (OperatorProcess operator = OperatorProcess.start(installed, "sigterm-" + run)) {
        await("run " + run + ": leads and is ready (log " + operator.log() + ")")
            .atMost(Duration.ofSeconds(90))
            .until(() -> operator.isAlive() && operator.leads() && operator.readyAsLeader());

        long t0 = System.nanoTime();
        operator.terminate();
        boolean exited = operator.waitFor(EXIT_WITHIN);
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

        assertThat(exited)
            .as(
                "run %d: exited within %s of SIGTERM; log %s:%n%s",
                run, EXIT_WITHIN, operator.log(), operator.tail())
            .isTrue();
        exitMillis.add(took);
        List<String> lines = java.nio.file.Files.readAllLines(operator.log());
        int stopping =
            lines.stream()
                .filter(line -> line.contains("event=stopping"))
                .findFirst()
                .map(lines::indexOf)
                .orElse(0);
        assertThat(lines.subList(stopping, lines.size()))
            .as("run %d: WARN or ERROR while stopping (a stop is not a failure)", run)
            .noneMatch(line -> line.contains(" WARN ") || line.contains(" ERROR "));
        Lease lease = installed.lease();
        assertThat(InstalledOperator.holder(lease))
            .as("run %d: the Lease after exit (released: no holder)", run)
            .isNullOrEmpty();
      }
    }
    System.out.println("SIGTERM to exit, ms, per run: " + exitMillis);
  }
}
