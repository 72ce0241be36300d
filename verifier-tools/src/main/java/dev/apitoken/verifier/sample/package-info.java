/**
 * A sample workload that embeds the verifier: an HTTP service that answers only requests carrying a
 * valid ApiToken, verified offline against the mounted trust ConfigMap. It shows how a real service
 * would use {@link dev.apitoken.verifier.TokenVerifier}; {@code examples/sample-workload.yaml} runs
 * it from the verifier-tools image ({@code verifier-tools/Dockerfile}), not the operator's.
 */
package dev.apitoken.verifier.sample;
