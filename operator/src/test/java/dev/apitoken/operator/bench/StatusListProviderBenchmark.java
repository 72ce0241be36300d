package dev.apitoken.operator.bench;

import dev.apitoken.format.status.StatusList;
import dev.apitoken.operator.provider.PublishedFiles;
import dev.apitoken.operator.provider.StatusListProvider;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.testing.FedConfigMaps;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.StatusListTokenSigner;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Capacity of the Status List provider on loopback: (1) sustained conditional GETs answered 304,
 * from several client threads on keep-alive raw sockets; (2) heap and threads held by 1,000 open
 * long-polls, and the time from a change to all 1,000 answered.
 *
 * <p>The provider serves a list of 1,000,000 indices with 1% revoked at random, fed through the
 * same {@link PublishedFiles} the operator uses (here from a stub watch, not an API server). Client
 * and server share the JVM and the cores. Arguments: {@code [clientThreads] [seconds]}.
 */
public final class StatusListProviderBenchmark {
  private static final String NAMESPACE = "apitoken-system";
  private static final String TRUST = "apitoken-trust";
  private static final String URI = "https://tokens.example/statuslist";

  private static Map<String, String> files(KeyRing ring, Random random, Instant at) {
    StatusList list = new StatusList(1, 1_000_000);
    for (int i = 0; i < 10_000; i++) {
      list.set(random.nextInt(1_000_000), StatusList.INVALID);
    }
    String lst = list.encodeLst();
    String jwt =
        new StatusListTokenSigner(
                Duration.ofHours(1),
                Duration.ofSeconds(30),
                Clock.fixed(at, java.time.ZoneOffset.UTC))
            .sign(
                URI,
                1,
                lst,
                dev.apitoken.format.status.StatusListToken.Signed.NONE,
                ring.activeKey())
            .compact();
    return Map.of(
        TrustDocument.JWKS_KEY, ring.publicJwks(), TrustDocument.statusListTokenKey(0), jwt);
  }

  private static String etag(int port) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket
          .getOutputStream()
          .write(
              "GET /statuslist HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      String response =
          new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      for (String line : response.split("\r\n")) {
        if (line.toLowerCase().startsWith("etag:")) {
          return line.substring(5).trim();
        }
      }
    }
    throw new IllegalStateException("no ETag");
  }

  /** Reads one response's head (a 304 has no body); returns its status code. */
  private static int readHead(InputStream in, byte[] buffer) throws Exception {
    int matched = 0;
    int length = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IllegalStateException("connection closed");
      }
      if (length < buffer.length) {
        buffer[length++] = (byte) b;
      }
      matched =
          (b == '\r' && (matched == 0 || matched == 2))
                  || (b == '\n' && (matched == 1 || matched == 3))
              ? matched + 1
              : (b == '\r' ? 1 : 0);
    }
    return Integer.parseInt(new String(buffer, 9, 3, StandardCharsets.US_ASCII));
  }

  private static long heapAfterGc() throws InterruptedException {
    var memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  public static void main(String[] args) throws Exception {
    int clientThreads = args.length > 0 ? Integer.parseInt(args[0]) : 4;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    Random random = new Random(1);
    KeyRing ring = KeyRing.create(Instant.now(), new SecureRandom());
    FedConfigMaps api = new FedConfigMaps(NAMESPACE, TRUST);
    PublishedFiles published = new PublishedFiles(api, NAMESPACE, TRUST, URI);
    StatusListProvider provider =
        StatusListProvider.start(0, published, Duration.ofSeconds(30), 10_000);
    published.start();
    api.publish(files(ring, random, Instant.now()));
    int port = provider.port();
    String etag = etag(port);
    System.out.printf(
        "provider on 127.0.0.1:%d, %d CPUs, list of 1,000,000 indices (1%% revoked), ETag %s%n",
        port, Runtime.getRuntime().availableProcessors(), etag);

    // (1) Sustained conditional GETs answered 304.
    byte[] request =
        ("GET /statuslist HTTP/1.1\r\nHost: bench\r\nIf-None-Match: " + etag + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    LongAdder answered = new LongAdder();
    LongAdder other = new LongAdder();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> clients = new ArrayList<>();
    for (int t = 0; t < clientThreads; t++) {
      Thread client =
          new Thread(
              () -> {
                byte[] buffer = new byte[1024];
                try (Socket socket = new Socket("127.0.0.1", port)) {
                  socket.setTcpNoDelay(true);
                  OutputStream out = socket.getOutputStream();
                  InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
                  while (!stop.get()) {
                    out.write(request);
                    if (readHead(in, buffer) == 304) {
                      answered.increment();
                    } else {
                      other.increment();
                    }
                  }
                } catch (Exception e) {
                  if (!stop.get()) {
                    e.printStackTrace();
                  }
                }
              },
              "client-" + t);
      clients.add(client);
      client.start();
    }
    Thread.sleep(3_000); // warm-up
    long before = answered.sum();
    long cpuBefore =
        ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class)
            .getProcessCpuTime();
    long started = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    long count = answered.sum() - before;
    double elapsed = (System.nanoTime() - started) / 1e9;
    long cpu =
        ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class)
                .getProcessCpuTime()
            - cpuBefore;
    stop.set(true);
    for (Thread client : clients) {
      client.join(5_000);
    }
    System.out.printf(
        "conditional GET -> 304: %,.0f/s over %.1f s, %d client threads (keep-alive), %d other answers,"
            + " %.0f us of CPU per request (client + server)%n",
        count / elapsed, elapsed, clientThreads, other.sum(), cpu / 1e3 / count);

    // (2) 1,000 open long-polls: heap and threads, then one change wakes them all.
    int waiters = 1_000;
    long heapBefore = heapAfterGc();
    int threadsBefore = Thread.activeCount();
    Selector selector = Selector.open();
    byte[] poll =
        ("GET /statuslist?wait=60s HTTP/1.1\r\nHost: bench\r\nIf-None-Match: " + etag + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    List<SocketChannel> channels = new ArrayList<>();
    for (int i = 0; i < waiters; i++) {
      SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
      channel.write(ByteBuffer.wrap(poll));
      channel.configureBlocking(false);
      channel.register(selector, SelectionKey.OP_READ);
      channels.add(channel);
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (provider.waiters() < waiters && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    long heapWaiting = heapAfterGc();
    int threadsWaiting = Thread.activeCount();
    System.out.printf(
        "%,d long-polls parked: heap after GC %.1f MiB -> %.1f MiB (+%.1f KiB per long-poll, client"
            + " sockets in the same JVM included); threads %d -> %d%n",
        provider.waiters(),
        heapBefore / 1048576.0,
        heapWaiting / 1048576.0,
        (heapWaiting - heapBefore) / 1024.0 / waiters,
        threadsBefore,
        threadsWaiting);

    long changedAt = System.nanoTime();
    api.publish(files(ring, random, Instant.now().plusSeconds(1)));
    int done = 0;
    ByteBuffer buffer = ByteBuffer.allocate(256 * 1024);
    long lastAt = changedAt;
    while (done < waiters && System.nanoTime() - changedAt < Duration.ofSeconds(30).toNanos()) {
      selector.select(1000);
      for (SelectionKey key : selector.selectedKeys()) {
        SocketChannel channel = (SocketChannel) key.channel();
        buffer.clear();
        int n = channel.read(buffer);
        if (n != 0 && key.attachment() == null) {
          key.attach(Boolean.TRUE);
          done++;
          lastAt = System.nanoTime();
        }
        if (n < 0) {
          key.cancel();
        }
      }
      selector.selectedKeys().clear();
    }
    System.out.printf(
        "one change -> all %,d long-polls answered (first bytes) in %.0f ms%n",
        done, (lastAt - changedAt) / 1e6);
    for (SocketChannel channel : channels) {
      channel.close();
    }
    provider.close();
    published.close();
  }
}
