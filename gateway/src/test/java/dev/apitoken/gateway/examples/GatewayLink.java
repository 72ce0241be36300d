package dev.apitoken.gateway.examples;

/** How a proxy reaches the gateway: sends the check and returns the answer. */
interface GatewayLink {
  GatewayResponse check(CheckRequest request);
}
