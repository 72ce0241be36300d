package dev.apitoken.operator.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the CPU went, by thread: the mock API server (Vert.x threads) and the operator share this
 * JVM and two cores, so this tells the operator's cost apart from the test harness's. Threads that
 * start and end between two snapshots are not seen by name; they fall in "other" as the part of
 * process CPU time no live thread accounts for (with GC and JIT compilation).
 */
final class CpuAccount {
  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private final com.sun.management.OperatingSystemMXBean os =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private Map<Long, Long> startByThread;
  private long startProcess;
  private long startGcMillis;
  private long startJitMillis;
  private long startThreadsStarted;

  void start() {
    startByThread = perThread();
    startProcess = os.getProcessCpuTime();
    startGcMillis = gcMillis();
    startJitMillis = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    startThreadsStarted = threads.getTotalStartedThreadCount();
  }

  private static long gcMillis() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(gc -> Math.max(0, gc.getCollectionTime()))
        .sum();
  }

  /** CPU milliseconds since {@link #start()}, by category, plus "process total". */
  Map<String, Double> stop() {
    long process = os.getProcessCpuTime() - startProcess;
    Map<String, Double> byCategory = new LinkedHashMap<>();
    for (String c :
        new String[] {
          "mock API server", "operator", "benchmark driver", "GC, JIT, short-lived threads"
        }) {
      byCategory.put(c, 0.0);
    }
    long accounted = 0;
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      long now = threads.getThreadCpuTime(info.getThreadId());
      if (now < 0) {
        continue;
      }
      long used = now - startByThread.getOrDefault(info.getThreadId(), 0L);
      accounted += used;
      byCategory.merge(category(info.getThreadName()), used / 1e6, Double::sum);
    }
    byCategory.merge("GC, JIT, short-lived threads", (process - accounted) / 1e6, Double::sum);
    byCategory.put("process total", process / 1e6);
    byCategory.put("(GC time, wall)", (double) (gcMillis() - startGcMillis));
    byCategory.put(
        "(JIT compile time)",
        (double)
            (ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - startJitMillis));
    byCategory.put(
        "(threads started, count)",
        (double) (threads.getTotalStartedThreadCount() - startThreadsStarted));
    return byCategory;
  }

  private Map<Long, Long> perThread() {
    Map<Long, Long> cpu = new HashMap<>();
    for (long id : threads.getAllThreadIds()) {
      cpu.put(id, threads.getThreadCpuTime(id));
    }
    return cpu;
  }

  /**
   * The mock server runs on Vert.x threads; the driver's threads are main, awaitility and bench-*
   * (its creates, its client's HTTP and watch threads); the rest is the operator.
   */
  private static String category(String name) {
    if (name.startsWith("vert.x") || name.startsWith("vertx")) {
      return "mock API server";
    }
    if (name.equals("main") || name.startsWith("bench-") || name.startsWith("awaitility")) {
      return "benchmark driver";
    }
    if (name.startsWith("JFR") || name.contains("Compiler") || name.startsWith("GC")) {
      return "GC, JIT, short-lived threads";
    }
    return "operator";
  }
}
