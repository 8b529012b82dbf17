package dev.portcullis.gateway.tls;

import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.SSLEngineOptions;
import io.vertx.core.net.ServerSSLOptions;

import java.util.List;
import java.util.Set;

/**
 * The one TLS policy of every listener: TLS 1.2 and 1.3 only, forward-secret AEAD cipher suites
 * only, ALPN offering h2 and http/1.1. Written out explicitly (not left to library defaults) so
 * that neither a laxer {@code java.security} nor the native engine's defaults let SSLv3, TLS 1.0,
 * 1.1 or CBC suites in.
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

  /** Which TLS implementation serves the handshakes. */
  public enum Engine { AUTO, OPENSSL, JDK }

  /**
   * The engine options for a listener: BoringSSL (netty-tcnative) when asked for or, with
   * {@code AUTO}, when it loads on this platform; otherwise the JDK's SSLEngine.
   */
  public static SSLEngineOptions engine(Engine engine) {
    boolean openSsl = switch (engine) {
      case OPENSSL -> {
        if (!OpenSSLEngineOptions.isAvailable()) {
          throw new IllegalStateException("tls.engine is openssl but BoringSSL (netty-tcnative) does not load "
              + "on this platform: " + io.netty.handler.ssl.OpenSsl.unavailabilityCause());
        }
        yield true;
      }
      case AUTO -> OpenSSLEngineOptions.isAvailable();
      case JDK -> false;
    };
    return openSsl ? new OpenSSLEngineOptions() : new JdkSSLEngineOptions();
  }

  /** Applies the policy and the key material to a server's options. */
  public static HttpServerOptions apply(HttpServerOptions options, KeyCertOptions keyCert, boolean http2,
      Engine engine) {
    options.setSslEngineOptions(engine(engine));
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
