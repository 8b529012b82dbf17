package dev.portcullis.plugins.auditsyslog;

/**
 * Options of the {@code syslog} audit sink (see this module's README).
 *
 * @param host     the syslog collector (name or IP address)
 * @param port     its TLS port, 6514 by convention (RFC 5425)
 * @param tls      how the connection is protected; TLS with verification unless it says otherwise
 * @param appName  APP-NAME of every message ({@code portcullis})
 * @param facility facility name ({@code authpriv}) or number 0..23
 * @param hostname HOSTNAME of every message (default: the gateway's instance id)
 * @param timeout  how long connecting and writing one batch may take ({@code 10s})
 */
public record SyslogSinkConfig(String host, Integer port, Tls tls, String appName, String facility, String hostname,
    String timeout) {

  /**
   * @param enabled  false for plain TCP, allowed only to a loopback host
   * @param caFile   PEM certificate(s) that sign the collector's certificate; null for the JVM's trust store.
   *                 The chain and host name are always checked: an audit trail sent to an unverified peer
   *                 can be read and changed by anyone on the path
   * @param certFile PEM client certificate for mutual TLS (with keyFile)
   * @param keyFile  PEM (PKCS#8) private key of certFile
   */
  public record Tls(Boolean enabled, String caFile, String certFile, String keyFile) {
  }
}
