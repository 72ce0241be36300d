package dev.apitoken.http;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpPrincipal;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * A Jetty request and response seen through {@link HttpExchange}, so the handlers written for the
 * JDK server run unchanged. As with the JDK server, the answer is complete when the exchange is
 * closed, from the handler's thread or later from any other (a long poll).
 */
final class JettyExchange extends HttpExchange {
  private final String contextPath;
  private final HttpHandler handler;
  private final Request request;
  private final Response response;
  private final Callback callback;
  private final Headers requestHeaders = new Headers();
  private final Headers responseHeaders = new Headers();
  private final URI uri;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Map<String, Object> attributes = new HashMap<>();
  private InputStream body;
  private OutputStream out;
  private int status = -1;

  private JettyExchange(
      String contextPath,
      HttpHandler handler,
      Request request,
      Response response,
      Callback callback,
      URI uri) {
    this.contextPath = contextPath;
    this.handler = handler;
    this.request = request;
    this.response = response;
    this.callback = callback;
    this.uri = uri;
    for (HttpField field : request.getHeaders()) {
      requestHeaders.add(field.getName(), field.getValue());
    }
  }

  /** Runs {@code handler} on the request; a target that is not a URI gets 400, as from the JDK. */
  static void run(
      String contextPath,
      HttpHandler handler,
      Request request,
      Response response,
      Callback callback) {
    URI uri;
    try {
      uri = new URI(request.getHttpURI().getPathQuery());
    } catch (java.net.URISyntaxException | NullPointerException e) {
      Response.writeError(request, response, callback, 400);
      return;
    }
    JettyExchange exchange =
        new JettyExchange(contextPath, handler, request, response, callback, uri);
    try {
      handler.handle(exchange);
    } catch (Throwable failure) {
      exchange.fail(failure);
    }
  }

  private void fail(Throwable failure) {
    if (closed.compareAndSet(false, true)) {
      if (status < 0) {
        Response.writeError(request, response, callback, 500);
      } else {
        callback.failed(failure);
      }
    }
  }

  @Override
  public Headers getRequestHeaders() {
    return requestHeaders;
  }

  @Override
  public Headers getResponseHeaders() {
    return responseHeaders;
  }

  @Override
  public URI getRequestURI() {
    return uri;
  }

  @Override
  public String getRequestMethod() {
    return request.getMethod();
  }

  @Override
  public HttpContext getHttpContext() {
    return new Context();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      if (status < 0) {
        sendResponseHeaders(500, -1);
      }
      if (out != null) {
        out.close();
      } else {
        response.write(true, null, callback);
        return;
      }
      callback.succeeded();
    } catch (IOException | RuntimeException e) {
      callback.failed(e);
    }
  }

  @Override
  public InputStream getRequestBody() {
    if (body == null) {
      body = Content.Source.asInputStream(request);
    }
    return body;
  }

  @Override
  public OutputStream getResponseBody() {
    if (out == null) {
      out = Content.Sink.asOutputStream(response);
    }
    return out;
  }

  /**
   * As the JDK's: {@code length} > 0 a body of that length, 0 a body of unknown length (chunked),
   * -1 no body.
   */
  @Override
  public void sendResponseHeaders(int code, long length) throws IOException {
    if (status >= 0) {
      throw new IOException("headers already sent");
    }
    status = code;
    response.setStatus(code);
    for (Map.Entry<String, List<String>> header : responseHeaders.entrySet()) {
      for (String value : header.getValue()) {
        response.getHeaders().add(header.getKey(), value);
      }
    }
    boolean bodiless =
        code == 304 || code == 204 || code < 200 || request.getMethod().equals("HEAD");
    if (length > 0) {
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, length);
    } else if (length < 0 && !bodiless) {
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0L);
    }
  }

  @Override
  public InetSocketAddress getRemoteAddress() {
    SocketAddress remote = request.getConnectionMetaData().getRemoteSocketAddress();
    return remote instanceof InetSocketAddress inet ? inet : null;
  }

  @Override
  public int getResponseCode() {
    return status;
  }

  @Override
  public InetSocketAddress getLocalAddress() {
    SocketAddress local = request.getConnectionMetaData().getLocalSocketAddress();
    return local instanceof InetSocketAddress inet ? inet : null;
  }

  @Override
  public String getProtocol() {
    return request.getConnectionMetaData().getProtocol();
  }

  @Override
  public synchronized Object getAttribute(String name) {
    return attributes.get(name);
  }

  @Override
  public synchronized void setAttribute(String name, Object value) {
    attributes.put(name, value);
  }

  @Override
  public void setStreams(InputStream in, OutputStream out) {
    throw new UnsupportedOperationException("filters are not supported");
  }

  @Override
  public HttpPrincipal getPrincipal() {
    return null;
  }

  /** The context a handler may ask for: its path and handler; no filters, no authenticator. */
  private final class Context extends HttpContext {
    @Override
    public HttpHandler getHandler() {
      return handler;
    }

    @Override
    public void setHandler(HttpHandler newHandler) {
      throw new UnsupportedOperationException("routes are fixed at start");
    }

    @Override
    public String getPath() {
      return contextPath;
    }

    @Override
    public HttpServer getServer() {
      return null;
    }

    @Override
    public Map<String, Object> getAttributes() {
      return attributes;
    }

    @Override
    public List<Filter> getFilters() {
      return List.of();
    }

    @Override
    public Authenticator setAuthenticator(Authenticator auth) {
      throw new UnsupportedOperationException("no authenticator");
    }

    @Override
    public Authenticator getAuthenticator() {
      return null;
    }
  }
}
