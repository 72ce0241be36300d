package dev.apitoken.demo;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import dev.apitoken.operator.runtime.LogSetup;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * Keeps the operator's log out of the story the embedded run prints: every line goes to a file, in
 * the operator's own format, and only a WARN or ERROR also reaches standard error, where a problem
 * must not go unnoticed.
 */
final class DemoLog {
  private DemoLog() {}

  /** Sends the log to {@code file}; returns the stream to close at exit. */
  static OutputStream to(Path file) throws IOException {
    OutputStream out = Files.newOutputStream(file);
    LogSetup.configure("text", "info", out);
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    ThresholdFilter warnings = new ThresholdFilter();
    warnings.setLevel(Level.WARN.levelStr);
    warnings.start();
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%-5level %logger{36} - %msg%n");
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName("STDERR");
    stderr.setTarget("System.err");
    stderr.addFilter(warnings);
    stderr.setEncoder(encoder);
    stderr.start();
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(stderr);
    return out;
  }
}
