package dev.portcullis.gateway.tls;

import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;

import java.util.List;
import java.util.Set;

/**
 * The one TLS policy of every listener: TLS 1.2 and 1.3 only, forward-secret AEAD cipher suites
 * only, ALPN offering h2 and http/1.1. Written out explicitly (not left to JDK defaults) so that a
 * JVM with a laxer {@code java.security} still refuses SSLv3, TLS 1.0, 1.1 and CBC suites.
 */
public final class TlsPolicy {

  public static final Set<String> PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2");

  public static final List<String> CIPHER_SUITES = List.of(
      "TLS_AES_128_GCM_SHA256",
      "TLS_AES_256_GCM_SHA384",
      "TLS_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  private TlsPolicy() {
  }

  /** Applies the policy and the key material to a server's options. */
  public static HttpServerOptions apply(HttpServerOptions options, KeyCertOptions keyCert, boolean http2) {
    options.setSsl(true)
        .setKeyCertOptions(keyCert)
        .setEnabledSecureTransportProtocols(PROTOCOLS)
        .setUseAlpn(true)
        .setAlpnVersions(http2 ? List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1) : List.of(HttpVersion.HTTP_1_1));
    CIPHER_SUITES.forEach(options::addEnabledCipherSuite);
    return options;
  }

  /** The same policy as {@link #apply}, as the options a running server swaps to on certificate reload. */
  public static ServerSSLOptions sslOptions(KeyCertOptions keyCert, boolean http2) {
    ServerSSLOptions options = new ServerSSLOptions()
        .setKeyCertOptions(keyCert)
        .setEnabledSecureTransportProtocols(PROTOCOLS)
        .setUseAlpn(true)
        .setApplicationLayerProtocols(http2 ? List.of("h2", "http/1.1") : List.of("http/1.1"));
    CIPHER_SUITES.forEach(options::addEnabledCipherSuite);
    return options;
  }
}
