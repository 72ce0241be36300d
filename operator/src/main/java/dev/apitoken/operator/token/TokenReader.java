package dev.apitoken.operator.token;

import dev.apitoken.format.CompactJws;
import dev.apitoken.format.JwtJson;
import dev.apitoken.format.MalformedException;
import dev.apitoken.format.SignedJwt;
import dev.apitoken.format.TokenClaims;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Reads the operator's own tokens, e.g. the one stored in a Secret, with the one parser of the wire
 * format ({@link SignedJwt}: {@link CompactJws}, {@link JwtJson}) that every verifier uses, so the
 * operator and its verifiers can never disagree on what a token says. Never throws: anything
 * malformed, unsigned by the ring or otherwise unexpected reads as empty.
 *
 * <p>What differs from a verifier is deliberate and only this: <b>expired and not-yet-valid tokens
 * are read</b> ({@code exp} and {@code nbf} are not checked), because renewing a token and revoking
 * it both start from a token that may have expired; whether it is still current is {@link
 * ReissuePolicy}'s decision. The status list is not consulted either: the ledger is the operator's
 * own record of revocations.
 */
public final class TokenReader {

  /** Far above any token we sign; bounds the work done on garbage. */
  private static final int MAX_TOKEN_LENGTH = 16 * 1024;

  private TokenReader() {}

  /** The token's claims without checking the signature; empty if it is malformed. */
  public static Optional<TokenClaims> parseUnverified(String token) {
    return split(token).flatMap(TokenReader::claimsOf);
  }

  /**
   * The {@code kid} the token's header names, without checking anything else; empty if there is
   * none or the token is malformed. Only for telling why a token does not verify.
   */
  public static Optional<String> headerKid(String token) {
    return split(token).flatMap(TokenReader::headerOf).map(JwtJson.Header::kid);
  }

  /**
   * The token's claims if its header names a key of the ring with that key's algorithm and the
   * Ed25519 signature verifies with that key; empty otherwise. Expired tokens are read (see above).
   */
  public static Optional<TokenClaims> verify(String token, KeyRing ring) {
    return verifiedToken(token, ring).map(SignedToken::claims);
  }

  /** Like {@link #verify}, keeping the value and the id of the key that signed it. */
  public static Optional<SignedToken> verifiedToken(String token, KeyRing ring) {
    if (token == null || token.length() > MAX_TOKEN_LENGTH) {
      return Optional.empty();
    }
    SignedJwt read =
        SignedJwt.read(
            token.getBytes(StandardCharsets.ISO_8859_1),
            kid -> ring.verificationKey(kid).orElse(null));
    if (read.problem() != null || !read.payload().hasStatus()) {
      return Optional.empty();
    }
    return Optional.of(new SignedToken(token, read.payload().claims(), read.key().kid()));
  }

  private static Optional<CompactJws> split(String token) {
    if (token == null || token.length() > MAX_TOKEN_LENGTH) {
      return Optional.empty();
    }
    try {
      return Optional.of(CompactJws.split(token.getBytes(StandardCharsets.ISO_8859_1)));
    } catch (MalformedException malformed) {
      return Optional.empty();
    }
  }

  private static Optional<JwtJson.Header> headerOf(CompactJws jws) {
    try {
      return Optional.of(JwtJson.header(jws.header()));
    } catch (MalformedException malformed) {
      return Optional.empty();
    }
  }

  private static Optional<TokenClaims> claimsOf(CompactJws jws) {
    try {
      JwtJson.Payload payload = new JwtJson.Payload();
      JwtJson.payload(jws.payload(), payload);
      return Optional.of(payload.claims());
    } catch (MalformedException malformed) {
      return Optional.empty();
    }
  }
}
