package dev.apitoken.gateway.bench;

import dev.apitoken.verifier.StatusListTokenWriter;
import dev.apitoken.verifier.TestKey;
import dev.apitoken.verifier.TokenFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A trust directory and the tokens the benchmark sends, minted with the verifier's test helpers and
 * valid around the real clock (the gateway under test uses the system clock).
 */
final class BenchTrust {
  static final String ISSUER = TokenFactory.ISSUER;

  /** Status list index of the revoked token; every other index is valid. */
  private static final int REVOKED_INDEX = 7;

  /** The status list of {@link StatusListTokenWriter#list} holds this many indices. */
  private static final int LIST_SIZE = 1024;

  private final TokenFactory tokens = new TokenFactory(TestKey.fromSeed(12));
  private final long now = Instant.now().getEpochSecond();

  /** Writes {@code jwks.json} and a signed {@code status-list.jwt} revoking one index. */
  void writeTo(Path directory) throws IOException {
    Files.writeString(directory.resolve("jwks.json"), TestKey.jwks(tokens.key()));
    Files.writeString(
        directory.resolve("status-list.jwt"),
        StatusListTokenWriter.sign(
            tokens.key(),
            TokenFactory.STATUS_URI,
            now - 5,
            StatusListTokenWriter.list(REVOKED_INDEX)));
  }

  /** A valid token; {@code serial} makes it distinct (its jti and status index). */
  String valid(int serial) {
    int index = serial % LIST_SIZE == REVOKED_INDEX ? REVOKED_INDEX + 1 : serial % LIST_SIZE;
    return tokens.token(claims(index, serial));
  }

  List<String> distinctValid(int count) {
    List<String> valid = new ArrayList<>(count);
    for (int serial = 0; serial < count; serial++) {
      valid.add(valid(serial));
    }
    return valid;
  }

  String revoked() {
    return tokens.token(claims(REVOKED_INDEX, -1));
  }

  /**
   * A token whose signature is made with another key under the trusted key's kid: well formed,
   * fails only at the Ed25519 check, which it goes through in full. (A flipped signature byte is no
   * good here: a changed R is usually not a curve point and is refused before the check.)
   */
  String badSignature() {
    TokenFactory forger = new TokenFactory(TestKey.fromSeed(13));
    return forger.token(tokens.headerJson(), claims(0, -2).toJson());
  }

  /** Not a JWT at all: three parts, none of it base64url JSON. */
  static String garbage() {
    return "not-a.json-web.token!";
  }

  private TokenFactory.Claims claims(int index, int serial) {
    byte[] jti = new byte[16];
    for (int i = 0; i < 4; i++) {
      jti[i] = (byte) (serial >>> (8 * i));
    }
    return TokenFactory.claims(index)
        .set("iat", now - 60)
        .set("nbf", now - 60)
        .set("exp", now + 6 * 3600)
        .set("jti", Base64.getUrlEncoder().withoutPadding().encodeToString(jti));
  }

  static String bearer(String token) {
    return "Bearer " + token;
  }
}
