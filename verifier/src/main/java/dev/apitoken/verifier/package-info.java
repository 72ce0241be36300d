/**
 * Offline verification of ApiToken JWTs against a mounted trust directory.
 *
 * <p>Build a {@link dev.apitoken.verifier.TokenVerifier} once, call {@link
 * dev.apitoken.verifier.TokenVerifier#verify(String)} per request and act on the {@link
 * dev.apitoken.verifier.Verdict}. The formats are those of {@code docs/CONTRACTS.md} (the token)
 * and {@code docs/TRUST-FORMAT.md} (the trust files).
 */
package dev.apitoken.verifier;
