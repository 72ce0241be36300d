# syntax=docker/dockerfile:1
# The ApiToken operator image: docker build -t apitoken-operator:0.1.0 .

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# The cache mount keeps the Maven repository between builds (BuildKit). Only the operator and the
# wire format it writes (format/) are built (not the verifier, demo/, verifier-tools/, gateway/ or
# the kubectl plugin). The formatter is skipped: it only rewrites sources, which do not leave this
# stage.
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -ntp -DskipTests -Dspotless.skip=true -pl operator -am package \
 && cp operator/target/apitoken-operator.jar /apitoken-operator.jar

FROM eclipse-temurin:17-jre
LABEL org.opencontainers.image.title="apitoken-operator" \
      org.opencontainers.image.description="Kubernetes operator that issues signed, expiring, revocable API tokens"
# Owned by root and read-only for the operator's user, which has no home or passwd entry.
COPY --from=build --chmod=0444 /apitoken-operator.jar /app/apitoken-operator.jar
# The chart mounts an emptyDir at /tmp because the root filesystem is read-only.
ENV HOME=/tmp
# Numeric, so Kubernetes can check runAsNonRoot without a passwd entry.
USER 65532:65532
# /healthz, /readyz and /metrics (APITOKEN_HTTP_PORT).
EXPOSE 8080
# C1 only (TieredStopAtLevel=1): on 2 cores the C2 compiler threads used more CPU than the
# operator's own work for the first thousands of ApiTokens (DeployedOperatorBenchmark: 9-11 of
# 18-22 ms per token); with C1 the operator needs 8-9 ms per token and less memory. The Status
# List provider pays ~15% more CPU per request. Details in docs/PERFORMANCE.md.
# ChaCha20-Poly1305 first: C1 has none of the AES-GCM intrinsics, so the JDK's pure-Java GHASH and
# AES dominated a profile of the operator's API server connection; with ChaCha20 first the operator
# needs ~14% less CPU per token (A/B, docs/PERFORMANCE.md). AES-GCM stays as the fallback (a FIPS
# API server offers no ChaCha20); Go's TLS server picks ChaCha20 when the client lists it first.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:TieredStopAtLevel=1", "-Djdk.tls.client.cipherSuites=TLS_CHACHA20_POLY1305_SHA256,TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "-jar", "/app/apitoken-operator.jar"]
