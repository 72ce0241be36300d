package dev.apitoken.verifier.cli;

import picocli.CommandLine.Option;

/**
 * The flags both command lines of this module take ({@code verify} and the sample service): where
 * trust comes from and what a token must carry. A picocli mixin, so the two cannot drift apart;
 * values stay text until each command checks them.
 */
public final class TrustFlags {
  @Option(names = "--trust-dir")
  public String trustDir;

  @Option(names = "--trust-url")
  public String trustUrl;

  @Option(names = "--issuer")
  public String issuer;

  @Option(names = "--audience")
  public String audience;

  @Option(names = "--max-status-age")
  public String maxStatusAge;

  @Option(names = "--allow-unsigned-status-list")
  public boolean allowUnsigned;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true)
  public boolean help;
}
