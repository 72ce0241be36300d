/**
 * The wire format, defined once: what the operator writes and every verifier reads. Tokens ({@link
 * dev.apitoken.format.SignedJwt}, {@link dev.apitoken.format.JwtJson}, {@link
 * dev.apitoken.format.TokenClaims}), base64url ({@link dev.apitoken.format.Base64Url}), key ids
 * ({@link dev.apitoken.format.JwkThumbprint}), the public keys ({@link dev.apitoken.format.Jwks},
 * {@link dev.apitoken.format.TrustedKey}), the status list and its signed token ({@code status}),
 * and the names of the trust files ({@link dev.apitoken.format.TrustFiles}). docs/TRUST-FORMAT.md
 * describes the same format for other languages. No Kubernetes types, no clock: callers pass the
 * time in.
 */
package dev.apitoken.format;
