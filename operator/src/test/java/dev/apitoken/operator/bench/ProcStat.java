package dev.apitoken.operator.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** What Linux's {@code /proc/<pid>} says about one process: CPU time used and memory held. */
record ProcStat(long pid, String name) {
  /** {@code getconf CLK_TCK} on Linux/x86-64 and arm64. */
  private static final double MILLIS_PER_TICK = 10.0;

  /** A child process of this JVM whose command ends in {@code binary} (e.g. "etcd"). */
  static Optional<ProcStat> child(String binary) {
    return ProcessHandle.current()
        .descendants()
        .filter(p -> p.info().command().map(c -> c.endsWith("/" + binary)).orElse(false))
        .findFirst()
        .map(p -> new ProcStat(p.pid(), binary));
  }

  static ProcStat self() {
    return new ProcStat(ProcessHandle.current().pid(), "benchmark driver");
  }

  /** utime + stime of the whole process (all threads, GC and JIT included), in ms; -1 if gone. */
  double cpuMillis() {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // Fields after the command name (which may hold spaces), from field 3 (state) on.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long utime = Long.parseLong(fields[11]);
      long stime = Long.parseLong(fields[12]);
      return (utime + stime) * MILLIS_PER_TICK;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * CPU time of the live threads, in ms, summed by thread name with digits dropped ("C2
   * CompilerThread#", "pool-#-thread-#"); what exited threads used is only in {@link #cpuMillis}.
   */
  java.util.Map<String, Double> threadCpuMillis() {
    java.util.Map<String, Double> byName = new java.util.TreeMap<>();
    try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks.toList()) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          double ms = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * MILLIS_PER_TICK;
          byName.merge(name.replaceAll("[0-9]+", "#"), ms, Double::sum);
        } catch (IOException | RuntimeException exited) {
          // the thread ended between the listing and the read
        }
      }
    } catch (IOException | RuntimeException e) {
      // the process has exited
    }
    return byName;
  }

  /** VmRSS (now) in MiB. */
  double rssMiB() {
    return statusKiB("VmRSS:") / 1024.0;
  }

  /** VmHWM (peak resident set) in MiB. */
  double peakRssMiB() {
    return statusKiB("VmHWM:") / 1024.0;
  }

  private long statusKiB(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.substring(field.length()).replace("kB", "").strip());
        }
      }
    } catch (IOException | RuntimeException e) {
      // the process has exited
    }
    return -1;
  }

  static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException e) {
      return "?";
    }
  }
}
