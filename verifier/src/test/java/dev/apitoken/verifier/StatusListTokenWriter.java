package dev.apitoken.verifier;

import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListToken;
import java.nio.charset.StandardCharsets;

/**
 * Signs Status List Tokens as the contract writes them (header {@code alg}, {@code kid}, {@code
 * typ}; claims {@code sub}, {@code iat}, {@code exp}, {@code ttl}, {@code status_list}), with
 * Bouncy Castle, and lets a test bend any part.
 */
public final class StatusListTokenWriter {
  private StatusListTokenWriter() {}

  /** The contract's header for {@code key}. */
  public static String header(TestKey key) {
    return "{\"alg\":\"EdDSA\",\"kid\":\""
        + key.kid()
        + "\",\"typ\":\""
        + StatusListToken.TYPE
        + "\"}";
  }

  /** The contract's payload. */
  public static String payload(String sub, long iat, long exp, long ttl, StatusList list) {
    return "{\"sub\":\""
        + sub
        + "\",\"iat\":"
        + iat
        + ",\"exp\":"
        + exp
        + ",\"ttl\":"
        + ttl
        + ",\"status_list\":{\"bits\":"
        + list.bits()
        + ",\"lst\":\""
        + list.encodeLst()
        + "\"}}";
  }

  /** The contract's payload with the private claim {@code ver} after {@code status_list}. */
  public static String payload(
      String sub, long iat, long exp, long ttl, StatusList list, long version) {
    String payload = payload(sub, iat, exp, ttl, list);
    return payload.substring(0, payload.length() - 1) + ",\"ver\":" + version + "}";
  }

  /** A list of publication version {@code version}, valid from {@code iat} for an hour. */
  public static String signVersion(
      TestKey key, String sub, long version, long iat, StatusList list) {
    return signVersion(key, sub, version, iat, iat + 3600, list);
  }

  /** A list of publication version {@code version}, valid from {@code iat} until {@code exp}. */
  public static String signVersion(
      TestKey key, String sub, long version, long iat, long exp, StatusList list) {
    return sign(key, header(key), payload(sub, iat, exp, 30, list, version));
  }

  /** A list valid from {@code iat} for an hour, {@code ttl} 30 s. */
  public static String sign(TestKey key, String sub, long iat, StatusList list) {
    return sign(key, header(key), payload(sub, iat, iat + 3600, 30, list));
  }

  public static String sign(TestKey key, String headerJson, String payloadJson) {
    String input = TokenFactory.b64(headerJson) + "." + TokenFactory.b64(payloadJson);
    return input + "." + TestKey.b64(key.sign(input.getBytes(StandardCharsets.US_ASCII)));
  }

  /** 1 bit per token, 1024 tokens, {@code revoked} set to INVALID. */
  public static StatusList list(long... revoked) {
    return listOf(1024, revoked);
  }

  /** 1 bit per token, {@code size} tokens, {@code revoked} set to INVALID. */
  public static StatusList listOf(long size, long... revoked) {
    StatusList list = new StatusList(1, size);
    for (long idx : revoked) {
      list.set(idx, StatusList.INVALID);
    }
    return list;
  }
}
