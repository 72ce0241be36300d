package dev.apitoken.gateway.examples;

/**
 * The request a client sends to the proxy.
 *
 * @param uri the request target as sent: path and query
 */
record ClientRequest(String method, String scheme, String host, String uri, Headers headers) {
  static ClientRequest get(String host, String uri, Headers headers) {
    return new ClientRequest("GET", "https", host, uri, headers);
  }

  String path() {
    int query = uri.indexOf('?');
    return query < 0 ? uri : uri.substring(0, query);
  }
}
