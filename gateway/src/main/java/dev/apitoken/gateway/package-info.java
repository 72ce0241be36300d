/**
 * The auth gateway: an HTTP service that answers the auth sub-requests of ingress-nginx ({@code
 * auth-url}), Traefik ({@code forwardAuth}) and Envoy / Istio ({@code ext_authz} over HTTP) by
 * verifying the request's bearer ApiToken with the verifier library, and applying a per-route
 * policy (audience, scopes) read from a hot-reloaded file. It has no Kubernetes client: trust comes
 * from the mounted trust ConfigMap and/or the operator's Status List provider over HTTP.
 */
package dev.apitoken.gateway;
