package dev.apitoken.operator.token;

import java.security.SecureRandom;
import java.util.Random;

/** A reproducible stand-in for SecureRandom, so that keys and jtis in tests are repeatable. */
final class SeededSecureRandom extends SecureRandom {

  private static final long serialVersionUID = 1L;

  private final Random random;

  SeededSecureRandom(long seed) {
    this.random = new Random(seed);
  }

  @Override
  public void nextBytes(byte[] bytes) {
    random.nextBytes(bytes);
  }
}
