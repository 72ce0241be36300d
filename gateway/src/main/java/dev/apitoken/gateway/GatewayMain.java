package dev.apitoken.gateway;

/** Entry point of the gateway image: {@code java -jar apitoken-gateway.jar --help}. */
public final class GatewayMain {
  private GatewayMain() {}

  public static void main(String[] args) {
    System.err.println("apitoken-gateway: not built yet");
    System.exit(2);
  }
}
