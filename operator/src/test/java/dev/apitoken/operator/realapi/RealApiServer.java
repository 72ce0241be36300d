package dev.apitoken.operator.realapi;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real etcd + kube-apiserver + kube-controller-manager (Kubernetes v1.20.2) on loopback, started
 * exactly as {@code /work/shared/recipes/real-apiserver/start-realapi.sh} does: one CA made with
 * openssl, RBAC authorization, an admin client certificate in {@code system:masters}, and the
 * controllers whose absence would change what the operator sees (garbage collector, namespace,
 * resource quota, service accounts). The binaries come from {@code bash .ci/install-realapi.sh}.
 *
 * <p>Fabric8's kube-api-test is not used: it runs only etcd and kube-apiserver (no garbage
 * collector, so owned Secrets would never be collected), wants an envtest directory layout with
 * kubectl, and makes its own PKI without the service-account key kube-controller-manager needs.
 *
 * <p>Two client identities, both in {@code system:masters}: the admin (the test's own kubectl) and
 * the impersonator, which only ever acts as the operator's ServiceAccount. The audit log records
 * the impersonator's requests alone, so it lists exactly what the operator asked for.
 */
public final class RealApiServer implements AutoCloseable {
  public static final String VERSION = "v1.20.2";
  static final String INSTALL_COMMAND = "bash .ci/install-realapi.sh";
  private static final String IMPERSONATOR = "realapi-impersonator";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

  private final Path dir;
  private final int apiPort;
  private final List<Process> processes = new ArrayList<>();
  private int etcdPort;
  private List<String> apiServerCommand;
  private Process apiServer;
  private final Thread killer = new Thread(this::stopProcesses, "realapi-stop");

  private RealApiServer(Path dir, int apiPort) {
    this.dir = dir;
    this.apiPort = apiPort;
  }

  /** Where {@code .ci/install-realapi.sh} puts the binaries. */
  static Path binDir() {
    String home = System.getenv("APITOKEN_REALAPI_HOME");
    Path base =
        home == null || home.isBlank()
            ? Path.of(System.getProperty("user.home"), ".cache", "apitoken-realapi")
            : Path.of(home);
    return base.resolve("bin");
  }

  /** Starts everything; fails (never skips) naming the install script when a binary is missing. */
  public static RealApiServer start(Path workDir) {
    return start(workDir, binDir());
  }

  static RealApiServer start(Path workDir, Path bin) {
    List<String> missing = new ArrayList<>();
    for (String binary : List.of("kube-apiserver", "kube-controller-manager")) {
      if (!Files.isExecutable(bin.resolve(binary))) {
        missing.add(bin.resolve(binary).toString());
      }
    }
    String etcd = onPath("etcd");
    if (etcd == null) {
      missing.add("etcd (Debian's etcd-server) on PATH");
    }
    if (onPath("openssl") == null) {
      missing.add("openssl on PATH");
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException(
          "The real-API tests need "
              + String.join(", ", missing)
              + ": run `"
              + INSTALL_COMMAND
              + "` from the repository root (CI's .ci/run does).");
    }
    try {
      Files.createDirectories(workDir);
      Path dir = Files.createTempDirectory(workDir.toAbsolutePath(), "run-");
      RealApiServer server = new RealApiServer(dir, freePort());
      Runtime.getRuntime().addShutdownHook(server.killer);
      try {
        server.boot(bin, etcd);
      } catch (RuntimeException | Error e) {
        server.close();
        throw e;
      }
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void boot(Path bin, String etcd) throws IOException {
    Instant t0 = Instant.now();
    Path pki = Files.createDirectories(dir.resolve("pki"));
    makePki(pki);
    etcdPort = freePort();
    int etcdPeerPort = freePort();
    spawn(
        "etcd",
        List.of(
            etcd,
            "--name=realapi",
            "--data-dir=" + dir.resolve("etcd"),
            "--listen-client-urls=http://127.0.0.1:" + etcdPort,
            "--advertise-client-urls=http://127.0.0.1:" + etcdPort,
            "--listen-peer-urls=http://127.0.0.1:" + etcdPeerPort,
            "--initial-advertise-peer-urls=http://127.0.0.1:" + etcdPeerPort,
            "--initial-cluster=realapi=http://127.0.0.1:" + etcdPeerPort),
        Map.of());
    Files.writeString(
        dir.resolve("audit-policy.yaml"),
        """
        apiVersion: audit.k8s.io/v1
        kind: Policy
        omitStages: ["RequestReceived"]
        rules:
          - level: Metadata
            users: ["%s"]
          - level: None
        """
            .formatted(IMPERSONATOR));
    // --endpoint-reconciler-type=none: the "kubernetes" Service would otherwise get a loopback
    // endpoint, which validation refuses (log noise only).
    apiServerCommand =
        List.of(
            bin.resolve("kube-apiserver").toString(),
            "--etcd-servers=http://127.0.0.1:" + etcdPort,
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            "--secure-port=" + apiPort,
            "--insecure-port=0",
            "--tls-cert-file=" + pki.resolve("apiserver.crt"),
            "--tls-private-key-file=" + pki.resolve("apiserver.key"),
            "--client-ca-file=" + pki.resolve("ca.crt"),
            "--service-account-key-file=" + pki.resolve("sa.pub"),
            "--service-account-signing-key-file=" + pki.resolve("sa.key"),
            "--service-account-issuer=https://kubernetes.default.svc",
            "--api-audiences=https://kubernetes.default.svc",
            "--service-cluster-ip-range=10.96.0.0/16",
            "--endpoint-reconciler-type=none",
            "--authorization-mode=RBAC",
            "--allow-privileged=true",
            "--profiling=false",
            "--audit-policy-file=" + dir.resolve("audit-policy.yaml"),
            "--audit-log-path=" + auditLog(),
            "--audit-log-maxsize=0");
    apiServer = spawn("kube-apiserver", apiServerCommand, Map.of());
    writeKubeconfig(kubeconfig(), pki.resolve("admin.crt"), pki.resolve("admin.key"));
    writeKubeconfig(impersonatorKubeconfig(), pki.resolve("op.crt"), pki.resolve("op.key"));
    awaitReady();
    spawn(
        "kube-controller-manager",
        List.of(
            bin.resolve("kube-controller-manager").toString(),
            "--kubeconfig=" + kubeconfig(),
            "--leader-elect=false",
            "--controllers=garbagecollector,namespace,resourcequota,serviceaccount,serviceaccount-token",
            "--service-account-private-key-file=" + pki.resolve("sa.key"),
            "--root-ca-file=" + pki.resolve("ca.crt"),
            "--bind-address=127.0.0.1",
            "--secure-port=0",
            "--port=0"),
        Map.of());
    System.out.printf(
        "real API server %s ready in %d ms at %s (logs in %s)%n",
        VERSION, Duration.between(t0, Instant.now()).toMillis(), url(), dir);
  }

  private void makePki(Path pki) throws IOException {
    Files.writeString(
        pki.resolve("serving.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default\n"
            + "extendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n");
    Files.writeString(
        pki.resolve("client.ext"),
        "extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n");
    openssl(pki, "genrsa", "-out", "ca.key", "2048");
    openssl(
        pki,
        "req",
        "-x509",
        "-new",
        "-key",
        "ca.key",
        "-subj",
        "/CN=realapi-ca",
        "-days",
        "30",
        "-out",
        "ca.crt");
    signed(pki, "apiserver", "/CN=kube-apiserver", "serving.ext");
    signed(pki, "admin", "/O=system:masters/CN=realapi-admin", "client.ext");
    signed(pki, "op", "/O=system:masters/CN=" + IMPERSONATOR, "client.ext");
    openssl(pki, "genrsa", "-out", "sa.key", "2048");
    openssl(pki, "rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub");
  }

  private static void signed(Path pki, String name, String subject, String extensions) {
    openssl(pki, "genrsa", "-out", name + ".key", "2048");
    openssl(pki, "req", "-new", "-key", name + ".key", "-subj", subject, "-out", name + ".csr");
    openssl(
        pki,
        "x509",
        "-req",
        "-in",
        name + ".csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "30",
        "-extfile",
        extensions,
        "-out",
        name + ".crt");
  }

  private static void openssl(Path workDir, String... args) {
    List<String> command = new ArrayList<>();
    command.add("openssl");
    command.addAll(List.of(args));
    try {
      Process process =
          new ProcessBuilder(command)
              .directory(workDir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        process.destroyForcibly();
        throw new IllegalStateException("openssl " + args[0] + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void writeKubeconfig(Path file, Path cert, Path key) throws IOException {
    Base64.Encoder b64 = Base64.getEncoder();
    String yaml =
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: realapi
          cluster:
            server: %s
            certificate-authority-data: %s
        users:
        - name: user
          user:
            client-certificate-data: %s
            client-key-data: %s
        contexts:
        - name: realapi
          context: {cluster: realapi, user: user, namespace: default}
        current-context: realapi
        """
            .formatted(
                url(),
                b64.encodeToString(Files.readAllBytes(dir.resolve("pki/ca.crt"))),
                b64.encodeToString(Files.readAllBytes(cert)),
                b64.encodeToString(Files.readAllBytes(key)));
    Files.writeString(file, yaml, StandardCharsets.UTF_8);
  }

  private void awaitReady() {
    Instant deadline = Instant.now().plus(READY_TIMEOUT);
    try (KubernetesClient client = adminClient()) {
      while (true) {
        for (Process p : processes) {
          if (!p.isAlive()) {
            throw new IllegalStateException(
                p.info().command().orElse("a process") + " exited; see the logs in " + dir);
          }
        }
        try {
          if ("ok".equals(client.raw("/readyz"))) {
            return;
          }
        } catch (RuntimeException notYet) {
          // connection refused or 500 while post-start hooks run
        }
        if (Instant.now().isAfter(deadline)) {
          throw new IllegalStateException(
              "kube-apiserver not ready after " + READY_TIMEOUT + "; see the logs in " + dir);
        }
        Thread.sleep(100);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Kills kube-apiserver ({@code kill -9}: a graceful stop waits for open watches) and starts it
   * again on the same etcd, port and certificates: every watch is cut, and the watch cache starts
   * afresh at etcd's current revision, so a client resuming a watch from an older resourceVersion
   * is answered 410 Gone and must list again.
   */
  public void restartApiServer() {
    Instant t0 = Instant.now();
    try {
      apiServer.destroyForcibly().waitFor();
      processes.remove(apiServer);
      Files.move(
          dir.resolve("kube-apiserver.log"),
          dir.resolve("kube-apiserver-" + System.currentTimeMillis() + ".log"));
      apiServer = spawn("kube-apiserver", apiServerCommand, Map.of());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    awaitReady();
    System.out.printf(
        "kube-apiserver restarted in %d ms%n", Duration.between(t0, Instant.now()).toMillis());
  }

  /**
   * Compacts etcd's history up to its current revision ({@code etcdctl compact}, through etcd's
   * HTTP gateway): no watch can resume from a resourceVersion before it.
   */
  public long compactEtcd() {
    HttpClient http = HttpClient.newHttpClient();
    try {
      String range =
          post(
              http,
              "/v3/kv/range",
              "{\"key\":\""
                  + Base64.getEncoder().encodeToString("/".getBytes(StandardCharsets.UTF_8))
                  + "\"}");
      var matcher = java.util.regex.Pattern.compile("\"revision\":\"(\\d+)\"").matcher(range);
      if (!matcher.find()) {
        throw new IllegalStateException("no revision in etcd's answer: " + range);
      }
      long revision = Long.parseLong(matcher.group(1));
      post(http, "/v3/kv/compaction", "{\"revision\":\"" + revision + "\",\"physical\":true}");
      return revision;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private String post(HttpClient http, String path, String json)
      throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + etcdPort + path))
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "etcd " + path + ": HTTP " + response.statusCode() + " " + response.body());
    }
    return response.body();
  }

  private Process spawn(String name, List<String> command, Map<String, String> env)
      throws IOException {
    File log = dir.resolve(name + ".log").toFile();
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().putAll(env);
    Process process = builder.start();
    processes.add(process);
    return process;
  }

  private static String onPath(String binary) {
    String path = System.getenv("PATH");
    for (String entry : (path == null ? "/usr/bin:/bin" : path).split(File.pathSeparator)) {
      Path candidate = Path.of(entry, binary);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return null;
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String url() {
    return "https://127.0.0.1:" + apiPort;
  }

  /** The admin (system:masters) kubeconfig: the test's own view of the cluster. */
  public Path kubeconfig() {
    return dir.resolve("admin.kubeconfig");
  }

  /** The impersonator's kubeconfig; pair it with the impersonation settings of an identity. */
  public Path impersonatorKubeconfig() {
    return dir.resolve("impersonator.kubeconfig");
  }

  /** The audit log: one JSON event per request the impersonator made, nothing else. */
  public Path auditLog() {
    return dir.resolve("audit.log");
  }

  public Path dir() {
    return dir;
  }

  public KubernetesClient adminClient() {
    return new KubernetesClientBuilder().withConfig(config(kubeconfig())).build();
  }

  /** A client with exactly the permissions of the ServiceAccount {@code namespace/name}. */
  public KubernetesClient clientAs(String namespace, String serviceAccount) {
    return new KubernetesClientBuilder().withConfig(configAs(namespace, serviceAccount)).build();
  }

  /** The client configuration of {@link #clientAs}, for a client built with more options. */
  public Config configAs(String namespace, String serviceAccount) {
    Config config = config(impersonatorKubeconfig());
    config.setImpersonateUsername(serviceAccountUser(namespace, serviceAccount));
    config.setImpersonateGroups(serviceAccountGroups(namespace).toArray(String[]::new));
    return config;
  }

  static String serviceAccountUser(String namespace, String serviceAccount) {
    return "system:serviceaccount:" + namespace + ":" + serviceAccount;
  }

  static List<String> serviceAccountGroups(String namespace) {
    return List.of(
        "system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated");
  }

  private static Config config(Path kubeconfig) {
    try {
      return Config.fromKubeconfig(null, Files.readString(kubeconfig), kubeconfig.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void stopProcesses() {
    List<Process> reversed = new ArrayList<>(processes);
    java.util.Collections.reverse(reversed);
    for (Process p : reversed) {
      p.destroy();
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    stopProcesses();
    try {
      Runtime.getRuntime().removeShutdownHook(killer);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run
    }
    deleteTree(dir.resolve("etcd"));
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // leftover test data under target/ is harmless
    }
  }
}
