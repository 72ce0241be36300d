package dev.apitoken.gateway.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;

/**
 * CPU time of the HTTP servers' threads in this JVM: the JDK server's dispatcher threads and the
 * request pools of {@code HttpServers.authServer} (baseline and gateway alike). Unlike requests per
 * second, CPU per request hardly depends on how much of the machine other processes take. Garbage
 * collection and JIT threads are not counted.
 */
final class ServerThreads {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private ServerThreads() {}

  static long cpuNanos() {
    long total = 0;
    for (ThreadInfo thread : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
      if (thread != null && isServerThread(thread.getThreadName())) {
        long cpu = THREADS.getThreadCpuTime(thread.getThreadId());
        total += Math.max(0, cpu);
      }
    }
    return total;
  }

  private static boolean isServerThread(String name) {
    return name.startsWith("gateway-http-") || name.startsWith("HTTP-Dispatcher");
  }
}
