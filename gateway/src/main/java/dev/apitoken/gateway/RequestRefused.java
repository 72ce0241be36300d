package dev.apitoken.gateway;

/**
 * A request the gateway will not judge, because the proxy's upstream could read it differently from
 * the gateway (an ambiguous host or path): answered 400, never 200. The message is fixed text
 * chosen by the gateway, never a part of the request, so it can go to the client and the log.
 */
final class RequestRefused extends RuntimeException {
  RequestRefused(String reason) {
    super(reason, null, false, false);
  }
}
