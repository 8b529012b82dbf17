package dev.portcullis.plugins.audithttp;

import java.util.Map;

/**
 * Options of the {@code http} audit sink (see this module's README).
 *
 * @param url           the collector's address: https, or plain http to a loopback host only
 * @param headers       extra request headers, e.g. {@code Authorization}; values are never logged
 * @param timeout       how long one POST may take, connect to last response byte ({@code 10s})
 * @param tls           how the collector's certificate is checked; null for the JVM's trust store
 * @param maxBatchBytes the largest body one POST carries ({@code 4MiB}); a bigger batch is sent as
 *                      several POSTs in order
 */
public record HttpSinkConfig(String url, Map<String, String> headers, String timeout, Tls tls,
    String maxBatchBytes) {

  /**
   * @param caFile PEM file with the certificate(s) that sign the collector's certificate (resolved
   *               against the configuration's directory); null for the JVM's trust store. The
   *               certificate chain and host name are always checked: an audit trail sent to an
   *               unverified peer can be read and changed by anyone on the path
   */
  public record Tls(String caFile) {
  }
}
