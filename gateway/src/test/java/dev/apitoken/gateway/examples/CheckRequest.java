package dev.apitoken.gateway.examples;

import java.net.URI;

/**
 * The sub-request a proxy sends to the auth gateway.
 *
 * @param target where the proxy sends it, as its configuration names it (host, port, path)
 */
record CheckRequest(String method, URI target, Headers headers) {}
