package dev.apitoken.kubectl;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One line of an issue-record shard ({@code <trust>-issued-<n>} in the operator namespace, format
 * {@code apitoken.dev/issue-records-v1}): {@code <index> <exp epoch s> <uid> <ns>/<name> <jti>
 * [R]}. A copy of the operator's tiny parser ({@code IssueRecord.parseLine}), so that the plugin
 * depends on no operator code; {@code IssueRecordLineTest} pins it to the operator's line format.
 */
public record IssueRecordLine(
    long index,
    Instant expiresAt,
    String ownerUid,
    String namespace,
    String name,
    String jti,
    boolean revoked) {
  public static final String FORMAT = "apitoken.dev/issue-records-v1";

  /**
   * @throws IllegalArgumentException when the line is not an issue record
   */
  public static IssueRecordLine parse(String line) {
    String[] parts = line.strip().split(" ");
    if (parts.length < 5 || parts.length > 6 || (parts.length == 6 && !parts[5].equals("R"))) {
      throw new IllegalArgumentException("not an issue record line");
    }
    int slash = parts[3].indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("not an issue record line");
    }
    try {
      return new IssueRecordLine(
          Long.parseLong(parts[0]),
          Instant.ofEpochSecond(Long.parseLong(parts[1])),
          parts[2],
          parts[3].substring(0, slash),
          parts[3].substring(slash + 1),
          parts[4],
          parts.length == 6);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not an issue record line", e);
    }
  }

  /**
   * The records of one shard's ConfigMap data; lines that do not parse are skipped (counted in
   * {@code skipped}).
   *
   * @throws IllegalArgumentException when the data is not an issue-record shard
   */
  public static List<IssueRecordLine> parseShard(Map<String, String> data, int[] skipped) {
    if (data == null || !FORMAT.equals(data.get("format"))) {
      throw new IllegalArgumentException("not an issue record shard");
    }
    List<IssueRecordLine> out = new ArrayList<>();
    for (String line : data.getOrDefault("records", "").split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      try {
        out.add(parse(line));
      } catch (IllegalArgumentException e) {
        skipped[0]++;
      }
    }
    return out;
  }
}
