package io.trainwatch.cli.http;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Where a process serves its HTTP endpoints.
 *
 * @param host the address to bind: {@code 0.0.0.0} for every interface (containers, Kubernetes
 *     probes, a Prometheus elsewhere), {@code 127.0.0.1} for this machine only
 * @param port the port, 0 for any free one
 */
public record HttpSettings(String host, int port) {

  /** The monitor's default port. */
  public static final int MONITOR_PORT = 8081;

  /** A bridge's default port. */
  public static final int BRIDGE_PORT = 8082;

  /** The default bind address: every interface, as probes and Prometheus come from elsewhere. */
  public static final String DEFAULT_HOST = "0.0.0.0";

  public HttpSettings {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("--http-host: must not be empty");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--http-port " + port + ": must be 0..65535");
    }
  }

  /**
   * The host other instances reach this one at: the bind address, or this machine's name when it
   * binds every interface.
   */
  public String advertisedHost() {
    if (!host.equals("0.0.0.0") && !host.equals("::") && !host.equals("[::]")) {
      return host;
    }
    try {
      return InetAddress.getLocalHost().getCanonicalHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
