package dev.apitoken.gateway.examples;

/** The gateway's answer to a {@link CheckRequest}. */
record GatewayResponse(int status, Headers headers, String body) {}
