/**
 * The token domain: durations, signing keys and the key ring, the signed token format, its
 * verification, revocation-index allocation and the decision whether a token must be (re)issued.
 *
 * <p>Pure Java on purpose: no Kubernetes or operator-framework types, time from a {@link
 * java.time.Clock} or an {@link java.time.Instant} argument, randomness from an injected {@link
 * java.security.SecureRandom}. The wire formats are fixed by {@code docs/CONTRACTS.md}.
 */
package dev.apitoken.operator.token;
