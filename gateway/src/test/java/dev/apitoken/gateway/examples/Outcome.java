package dev.apitoken.gateway.examples;

/** What a proxy does with a client's request after asking the gateway. */
sealed interface Outcome {
  /** The request goes on to the app with these headers. */
  record Forwarded(Headers headers) implements Outcome {}

  /** The client gets this answer and the app sees nothing. */
  record Refused(int status, Headers headers, String body) implements Outcome {}
}
