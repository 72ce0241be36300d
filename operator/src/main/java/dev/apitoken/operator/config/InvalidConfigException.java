package dev.apitoken.operator.config;

import java.util.List;

/** Start-up configuration is wrong; the message lists every bad setting by name. */
public class InvalidConfigException extends RuntimeException {
  private final List<String> problems;

  public InvalidConfigException(List<String> problems) {
    super("invalid configuration:\n  - " + String.join("\n  - ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
