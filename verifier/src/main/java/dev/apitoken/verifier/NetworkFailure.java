package dev.apitoken.verifier;

import dev.apitoken.format.UntrustedText;
import java.io.EOFException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * What a failed HTTP exchange means to a person, in one line: connection refused, unknown host,
 * timed out, TLS refused, closed by the server. The HTTP client's own exceptions say it poorly (a
 * refused connection is a message-less {@code ConnectException} around a {@code
 * ClosedChannelException}), and a stack frame helps nobody reading a WARN line.
 */
public final class NetworkFailure {
  private NetworkFailure() {}

  /** {@code what}: the reason, e.g. {@code GET https://x/jwks.json: connection refused}. */
  public static String explain(String what, Throwable failure) {
    return what + ": " + reason(failure);
  }

  /** The reason alone, from the most telling exception in {@code failure}'s causes. */
  public static String reason(Throwable failure) {
    // The most specific first: an unknown host also surfaces as a ConnectException around it.
    Throwable t;
    if ((t = find(failure, HttpConnectTimeoutException.class)) != null) {
      return "connect timed out (" + message(t, "no connection in time") + ")";
    }
    if ((t = find(failure, HttpTimeoutException.class, SocketTimeoutException.class)) != null) {
      return "timed out waiting for the answer";
    }
    if ((t = find(failure, UnknownHostException.class, UnresolvedAddressException.class)) != null) {
      return "unknown host" + (t.getMessage() == null ? "" : " " + message(t, ""));
    }
    if (find(failure, NoRouteToHostException.class) != null) {
      return "no route to host";
    }
    if ((t = find(failure, SSLHandshakeException.class, SSLException.class)) != null) {
      return "TLS failed: " + message(t, t.getClass().getSimpleName());
    }
    if ((t = find(failure, ConnectException.class)) != null) {
      return "connection refused" + detail(t, "Connection refused");
    }
    if (find(failure, ClosedChannelException.class, EOFException.class) != null) {
      return "connection closed before an answer";
    }
    Throwable innermost = failure;
    while (innermost.getCause() != null && innermost.getCause() != innermost) {
      innermost = innermost.getCause();
    }
    return innermost.getClass().getSimpleName() + detail(innermost, null);
  }

  @SafeVarargs
  private static Throwable find(Throwable failure, Class<? extends Throwable>... kinds) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      for (Class<? extends Throwable> kind : kinds) {
        if (kind.isInstance(t)) {
          return t;
        }
      }
    }
    return null;
  }

  private static String message(Throwable t, String otherwise) {
    return t.getMessage() == null || t.getMessage().isBlank()
        ? otherwise
        : UntrustedText.escape(t.getMessage(), UntrustedText.MESSAGE_MAX_LENGTH);
  }

  /** {@code " (message)"}, unless it only repeats {@code obvious}. */
  private static String detail(Throwable t, String obvious) {
    String message = t.getMessage();
    if (message == null || message.isBlank() || message.equalsIgnoreCase(obvious)) {
      return "";
    }
    return " (" + UntrustedText.escape(message, UntrustedText.MESSAGE_MAX_LENGTH) + ")";
  }
}
