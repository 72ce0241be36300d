package dev.apitoken.operator.realapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The image lists ChaCha20-Poly1305 first for its API server connection (the Dockerfile says why):
 * every suite it names must exist in the JDK (a typo would be dropped without a word), and a real
 * API server must pick ChaCha20 from that list, or the CPU it saves is not saved.
 */
@ExtendWith(RealApi.class)
class RealApiImageTlsTest {
  private static final String PROPERTY = "-Djdk.tls.client.cipherSuites=";

  @Test
  void theImagesCipherSuitesExistAndTheApiServerPicksChaCha20(RealApiServer server)
      throws Exception {
    List<String> suites = imageCipherSuites();
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, new TrustManager[] {new TrustingAnyServer()}, new SecureRandom());
    assertThat(tls.getSupportedSSLParameters().getCipherSuites())
        .contains(suites.toArray(String[]::new));
    assertThat(suites.get(0)).isEqualTo("TLS_CHACHA20_POLY1305_SHA256");
    assertThat(suites).contains("TLS_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");

    URI api = URI.create(server.url());
    try (SSLSocket socket =
        (SSLSocket) tls.getSocketFactory().createSocket(api.getHost(), api.getPort())) {
      socket.setEnabledCipherSuites(suites.toArray(String[]::new));
      socket.startHandshake();
      assertThat(socket.getSession().getCipherSuite()).isEqualTo("TLS_CHACHA20_POLY1305_SHA256");
    }
  }

  private static List<String> imageCipherSuites() {
    String flag =
        OperatorProcess.imageJvmFlags().stream()
            .filter(f -> f.startsWith(PROPERTY))
            .findFirst()
            .orElseThrow(
                () -> new AssertionError("the Dockerfile's ENTRYPOINT sets no " + PROPERTY));
    return Arrays.asList(flag.substring(PROPERTY.length()).split(","));
  }

  /** Only the negotiated suite is looked at here; the server's certificate is the test's own. */
  private static final class TrustingAnyServer implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
