package dev.apitoken.gateway;

import static dev.apitoken.gateway.GatewayFixture.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.apitoken.verifier.TokenFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22, case 1 and 2 through a real nginx (Debian's 1.22, as ingress-nginx 1.x bundles a 1.2x
 * nginx) configured as ingress-nginx renders an Ingress with {@code auth-url}: an internal auth
 * location that sends {@code X-Original-URL $scheme://$http_host$request_uri} to the gateway and a
 * {@code location /} with {@code auth_request} and {@code proxy_pass} of the raw request target.
 * One server per Ingress host, each with its own auth-url ({@code /auth/<host>}). Requests are
 * written byte for byte on a socket, so the Host header and request line are exactly the
 * attacker's.
 *
 * <p>nginx comes from {@code .ci/install-nginx.sh}; without it the test fails saying so.
 */
class IngressNginxLiveTest {
  @TempDir Path dir;
  private GatewayFixture fixture;
  private HttpServer upstream;
  private final List<String> served = new CopyOnWriteArrayList<>();
  private Process nginx;
  private int nginxPort;

  @BeforeEach
  void start() throws Exception {
    Path nginxBinary = Path.of("/usr/sbin/nginx");
    assertThat(Files.isExecutable(nginxBinary))
        .as("nginx is missing: run .ci/install-nginx.sh (Debian's nginx-light)")
        .isTrue();
    fixture = new GatewayFixture(dir).publishTrust();
    fixture.startWithPolicy(RequestViewTest.POLICY);
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext(
        "/",
        exchange -> {
          served.add(
              exchange.getRequestHeaders().getFirst("Host")
                  + " "
                  + exchange.getRequestURI().getRawPath());
          byte[] body = "upstream".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    upstream.start();
    nginxPort = freePort();
    Path prefix = Files.createDirectories(dir.resolve("nginx"));
    Files.writeString(prefix.resolve("nginx.conf"), config(prefix));
    nginx =
        new ProcessBuilder(
                nginxBinary.toString(), "-p", prefix.toString(), "-c", prefix + "/nginx.conf")
            .redirectErrorStream(true)
            .redirectOutput(prefix.resolve("stdout.log").toFile())
            .start();
    await().atMost(Duration.ofSeconds(30)).until(() -> canConnect(nginxPort) || !nginx.isAlive());
    assertThat(nginx.isAlive())
        .as("nginx: %s", Files.readString(prefix.resolve("stdout.log")))
        .isTrue();
  }

  @AfterEach
  void stop() throws Exception {
    if (nginx != null) {
      nginx.destroy();
      nginx.waitFor();
    }
    if (upstream != null) {
      upstream.stop(0);
    }
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void aHostWithUserInfoOrAQueryMarkDoesNotReachTheOrdersAdminOrDenyRoutes() throws Exception {
    for (String host :
        List.of(
            "orders.example.com:1@public.example.com",
            "orders.example.com:1?",
            "orders.example.com:1#")) {
      for (String path : List.of("/admin", "/internal")) {
        int status = send("GET " + path + " HTTP/1.1", host, token(3));
        assertThat(status).as("Host %s, %s", host, path).isNotEqualTo(200);
      }
    }
    assertThat(served).isEmpty();
  }

  @Test
  void anAbsoluteFormRequestLineDoesNotBorrowAnotherHostsRules() throws Exception {
    int status = send("GET http://orders.example.com/admin HTTP/1.1", "public.example.com", null);

    assertThat(status).isNotEqualTo(200);
    assertThat(served).isEmpty();
  }

  @Test
  void pathsABackendMayReadAsAnotherRouteDoNotPass() throws Exception {
    assertThat(send("GET /public/..;/internal HTTP/1.1", "orders.example.com", null))
        .isNotEqualTo(200);
    assertThat(send("GET /public/..;/admin/users HTTP/1.1", "orders.example.com", null))
        .isNotEqualTo(200);
    assertThat(send("GET /internal;jsessionid=1 HTTP/1.1", "orders.example.com", token(3)))
        .isNotEqualTo(200);
    assertThat(send("GET /admin;x/users HTTP/1.1", "orders.example.com", token(3)))
        .isNotEqualTo(200);
    assertThat(send("GET /Admin/users HTTP/1.1", "orders.example.com", token(3))).isNotEqualTo(200);
    assertThat(send("GET /admin.json HTTP/1.1", "orders.example.com", token(3))).isNotEqualTo(200);
    assertThat(send("GET /admin/x%2F..%2F..%2Fpublic HTTP/1.1", "orders.example.com", null))
        .isNotEqualTo(200);
    assertThat(served).isEmpty();
  }

  @Test
  void ordinaryRequestsStillPassWithTheRightToken() throws Exception {
    String admin = token(TokenFactory.claims(3).set("scope", "orders:read orders:admin"));

    assertThat(send("GET /public/x HTTP/1.1", "orders.example.com", null)).isEqualTo(200);
    assertThat(send("GET /admin/users HTTP/1.1", "orders.example.com", token(3))).isEqualTo(403);
    assertThat(send("GET /admin/users?x=1 HTTP/1.1", "orders.example.com", admin)).isEqualTo(200);
    assertThat(send("GET /anything HTTP/1.1", "public.example.com", null)).isEqualTo(200);
    assertThat(served)
        .containsExactly(
            "orders.example.com /public/x",
            "orders.example.com /admin/users",
            "public.example.com /anything");
  }

  /** ingress-nginx's rendering of two Ingresses (one host each) with the gateway's auth-url. */
  private String config(Path prefix) {
    int gateway = fixture.gateway().port();
    int backend = upstream.getAddress().getPort();
    StringBuilder servers = new StringBuilder();
    for (String host : List.of("orders.example.com", "public.example.com")) {
      servers.append(
          """
            server {
              listen 127.0.0.1:%1$d;
              server_name %2$s;
              location = /_external-auth-Lw-Prefix {
                internal;
                proxy_pass_request_body off;
                proxy_set_header Content-Length "";
                proxy_set_header X-Forwarded-Proto "";
                proxy_set_header Host 127.0.0.1;
                proxy_set_header X-Original-URL $scheme://$http_host$request_uri;
                proxy_set_header X-Original-Method $request_method;
                proxy_set_header X-Sent-From "nginx-ingress-controller";
                proxy_set_header X-Real-IP $remote_addr;
                proxy_set_header X-Forwarded-For $remote_addr;
                proxy_set_header X-Auth-Request-Redirect $request_uri;
                proxy_http_version 1.1;
                proxy_pass_request_headers on;
                set $target http://127.0.0.1:%3$d/auth/%2$s;
                proxy_pass $target;
              }
              location / {
                auth_request /_external-auth-Lw-Prefix;
                auth_request_set $authHeader0 $upstream_http_x_auth_subject;
                proxy_set_header X-Auth-Subject $authHeader0;
                proxy_set_header Host $host;
                proxy_pass http://127.0.0.1:%4$d;
              }
            }
          """
              .formatted(nginxPort, host, gateway, backend));
    }
    return """
        daemon off;
        master_process off;
        pid %1$s/nginx.pid;
        error_log %1$s/error.log info;
        events { worker_connections 64; }
        http {
          access_log off;
          client_body_temp_path %1$s/client_body;
          proxy_temp_path %1$s/proxy;
          fastcgi_temp_path %1$s/fastcgi;
          uwsgi_temp_path %1$s/uwsgi;
          scgi_temp_path %1$s/scgi;
          server {
            listen 127.0.0.1:%2$d default_server;
            return 404;
          }
        %3$s
        }
        """
        .formatted(prefix, nginxPort, servers);
  }

  /** Writes one request on a new connection and returns the status code nginx answered. */
  private int send(String requestLine, String host, String bearer) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", nginxPort)) {
      socket.setSoTimeout(30_000);
      String request =
          requestLine
              + "\r\nHost: "
              + host
              + "\r\n"
              + (bearer == null ? "" : "Authorization: Bearer " + bearer + "\r\n")
              + "Connection: close\r\n\r\n";
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(response).as("nginx answered %s", requestLine).startsWith("HTTP/1.1 ");
      return Integer.parseInt(response.substring(9, 12));
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static boolean canConnect(int port) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
