package dev.apitoken.operator.token;

import dev.apitoken.format.Base64Url;
import dev.apitoken.format.JwkThumbprint;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Objects;

/**
 * An Ed25519 signing key with its lifecycle.
 *
 * <p>The byte arrays are copied in and out, so a key cannot be changed after construction. Instants
 * are truncated to whole seconds because the key ring stores epoch seconds.
 *
 * @param kid the RFC 7638 thumbprint of the public key ({@link JwkThumbprint#ed25519})
 * @param publicKey the 32-byte Ed25519 public key
 * @param privateKey the 32-byte Ed25519 private key seed (RFC 8032); never printed
 * @param createdAt when the key was generated; its age decides rotation
 * @param retiredAt when a newer key took over signing, {@code null} while this key is active
 */
public record SigningKey(
    String kid, byte[] publicKey, byte[] privateKey, Instant createdAt, Instant retiredAt) {

  public SigningKey {
    Objects.requireNonNull(kid, "kid");
    Objects.requireNonNull(publicKey, "publicKey");
    Objects.requireNonNull(privateKey, "privateKey");
    Objects.requireNonNull(createdAt, "createdAt");
    if (publicKey.length != Ed25519.KEY_SIZE) {
      throw new IllegalArgumentException(
          "publicKey of " + kid + " has " + publicKey.length + " bytes, not " + Ed25519.KEY_SIZE);
    }
    if (privateKey.length != Ed25519.KEY_SIZE) {
      throw new IllegalArgumentException(
          "privateKey of " + kid + " has " + privateKey.length + " bytes, not " + Ed25519.KEY_SIZE);
    }
    publicKey = publicKey.clone();
    privateKey = privateKey.clone();
    createdAt = createdAt.truncatedTo(ChronoUnit.SECONDS);
    retiredAt = retiredAt == null ? null : retiredAt.truncatedTo(ChronoUnit.SECONDS);
  }

  /** Generates a fresh, active key. */
  public static SigningKey generate(Instant createdAt, SecureRandom random) {
    byte[] privateKey = Ed25519.newPrivateKey(random);
    byte[] publicKey = Ed25519.publicKeyOf(privateKey);
    return new SigningKey(JwkThumbprint.ed25519(publicKey), publicKey, privateKey, createdAt, null);
  }

  /** A copy of the 32-byte public key. */
  @Override
  public byte[] publicKey() {
    return publicKey.clone();
  }

  /** A copy of the 32-byte private key seed. */
  @Override
  public byte[] privateKey() {
    return privateKey.clone();
  }

  /** Whether this key signs new tokens (it has not been retired). */
  public boolean isActive() {
    return retiredAt == null;
  }

  /** This key, retired at the given instant; it still verifies tokens until pruned. */
  public SigningKey retire(Instant at) {
    Objects.requireNonNull(at, "at");
    return new SigningKey(kid, publicKey, privateKey, createdAt, at);
  }

  /** The public key as a JWK {@code x} member. */
  String x() {
    return Base64Url.encode(publicKey);
  }

  /** The private key as a JWK {@code d} member; only the key ring codec may write it. */
  String d() {
    return Base64Url.encode(privateKey);
  }

  byte[] sign(byte[] message) {
    return Ed25519.sign(privateKey, message);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof SigningKey that
        && kid.equals(that.kid)
        && Arrays.equals(publicKey, that.publicKey)
        && Arrays.equals(privateKey, that.privateKey)
        && createdAt.equals(that.createdAt)
        && Objects.equals(retiredAt, that.retiredAt);
  }

  @Override
  public int hashCode() {
    // The private key is left out so that the hash does not depend on secret bytes; the public
    // key already determines it.
    return Objects.hash(kid, Arrays.hashCode(publicKey), createdAt, retiredAt);
  }

  @Override
  public String toString() {
    return "SigningKey[kid="
        + kid
        + ", publicKey="
        + x()
        + ", privateKey=<redacted>, createdAt="
        + createdAt
        + ", retiredAt="
        + retiredAt
        + "]";
  }
}
