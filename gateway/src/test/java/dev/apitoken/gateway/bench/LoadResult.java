package dev.apitoken.gateway.bench;

import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * What one measured window of {@link LoadGenerator} saw: answers completed inside the window, their
 * latencies (nanoseconds, from the first byte written to the last byte read) and status codes.
 *
 * @param seconds the length of the measured window
 * @param latencies one value per answer counted in {@code statusCounts}
 * @param statusCounts answers by status code
 * @param missingHeader answers that lacked the header the expectation requires
 * @param errors connections the server closed or answered with bytes that are not HTTP/1.1
 * @param answersIncludingWarmUp every answer of the run, warm-up included
 */
public record LoadResult(
    double seconds,
    Histogram latencies,
    SortedMap<Integer, Long> statusCounts,
    long missingHeader,
    long errors,
    long answersIncludingWarmUp) {

  public LoadResult {
    statusCounts = Collections.unmodifiableSortedMap(new TreeMap<>(statusCounts));
  }

  /** Several runs as one: their answers and latencies together, over their windows together. */
  public static LoadResult merge(List<LoadResult> runs) {
    Histogram latencies = runs.get(0).latencies().copy();
    SortedMap<Integer, Long> statusCounts = new TreeMap<>(runs.get(0).statusCounts());
    double seconds = runs.get(0).seconds();
    long missingHeader = runs.get(0).missingHeader();
    long errors = runs.get(0).errors();
    long answersIncludingWarmUp = runs.get(0).answersIncludingWarmUp();
    for (LoadResult run : runs.subList(1, runs.size())) {
      latencies.add(run.latencies());
      run.statusCounts().forEach((status, count) -> statusCounts.merge(status, count, Long::sum));
      seconds += run.seconds();
      missingHeader += run.missingHeader();
      errors += run.errors();
      answersIncludingWarmUp += run.answersIncludingWarmUp();
    }
    return new LoadResult(
        seconds, latencies, statusCounts, missingHeader, errors, answersIncludingWarmUp);
  }

  public long answers() {
    return latencies.getTotalCount();
  }

  public double requestsPerSecond() {
    return answers() / seconds;
  }

  /** The latency at {@code percentile} (0-100) in microseconds. */
  public double latencyMicros(double percentile) {
    return latencies.getValueAtPercentile(percentile) / (double) TimeUnit.MICROSECONDS.toNanos(1);
  }

  /**
   * Answers whose status is not {@code expectedStatus}, plus those missing a header, plus errors.
   */
  public long wrongAnswers(int expectedStatus) {
    long expected = statusCounts.getOrDefault(expectedStatus, 0L);
    return answers() - expected + missingHeader + errors;
  }

  /** For example {@code 200 x 41,230} or {@code 200 x 40,001, 500 x 12, 3 errors}. */
  public String describeAnswers() {
    String codes =
        statusCounts.entrySet().stream()
            .map(entry -> String.format("%d x %,d", entry.getKey(), entry.getValue()))
            .collect(Collectors.joining(", "));
    StringBuilder text = new StringBuilder(codes.isEmpty() ? "no answers" : codes);
    if (missingHeader > 0) {
      text.append(String.format(", %,d without the expected header", missingHeader));
    }
    if (errors > 0) {
      text.append(String.format(", %,d connection errors", errors));
    }
    return text.toString();
  }
}
