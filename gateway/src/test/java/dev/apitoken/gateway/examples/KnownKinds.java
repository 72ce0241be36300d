package dev.apitoken.gateway.examples;

import java.util.Set;

/**
 * The API types the examples may use, each as {@code apiVersion/kind}, served by Kubernetes 1.27+
 * or the CRDs of current Traefik (v2.10+, v3) and Istio (1.22+). An old group (for example {@code
 * traefik.containo.us}, gone in Traefik v3) or a misspelled kind is not a real type.
 */
final class KnownKinds {
  static final Set<String> SERVED =
      Set.of(
          "v1/ConfigMap",
          "v1/Service",
          "apps/v1/Deployment",
          "networking.k8s.io/v1/Ingress",
          "traefik.io/v1alpha1/Middleware",
          "traefik.io/v1alpha1/IngressRoute",
          "install.istio.io/v1alpha1/IstioOperator",
          "security.istio.io/v1/AuthorizationPolicy");

  private KnownKinds() {}
}
