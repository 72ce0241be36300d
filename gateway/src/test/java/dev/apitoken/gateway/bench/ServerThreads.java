package dev.apitoken.gateway.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;

/**
 * CPU time and allocated bytes of the HTTP servers' threads in this JVM: the threads of {@code
 * HttpServers.authServer} (selector, acceptor and request threads) (baseline and gateway alike).
 * Unlike requests per second, CPU per request hardly depends on how much of the machine other
 * processes take. Garbage collection and JIT threads are not counted; allocation stands in for the
 * collector's share.
 */
final class ServerThreads {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** Totals over the server threads alive now. */
  record Usage(long cpuNanos, long allocatedBytes) {
    Usage since(Usage before) {
      return new Usage(cpuNanos - before.cpuNanos, allocatedBytes - before.allocatedBytes);
    }
  }

  private ServerThreads() {}

  static Usage usage() {
    long cpu = 0;
    long allocated = 0;
    for (ThreadInfo thread : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
      if (thread != null && isServerThread(thread.getThreadName())) {
        cpu += Math.max(0, THREADS.getThreadCpuTime(thread.getThreadId()));
        allocated += Math.max(0, THREADS.getThreadAllocatedBytes(thread.getThreadId()));
      }
    }
    return new Usage(cpu, allocated);
  }

  private static boolean isServerThread(String name) {
    return name.startsWith(dev.apitoken.gateway.HttpServers.AUTH_THREADS + "-");
  }
}
