package dev.portcullis.gateway.support;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;

/**
 * A JDK HTTP client for tests against the gateway's self-signed certificate. Trusting any
 * certificate is acceptable here only because the server is the test's own gateway on loopback.
 */
public final class Https {

  private Https() {
  }

  public static SSLContext trustingContext() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      }}, new SecureRandom());
      return context;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public static HttpClient client(HttpClient.Version version) {
    return HttpClient.newBuilder()
        .sslContext(trustingContext())
        .version(version)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  public static HttpClient client() {
    return client(HttpClient.Version.HTTP_1_1);
  }

  public static HttpResponse<String> get(HttpClient client, String url) {
    return send(client, HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build());
  }

  public static HttpResponse<String> send(HttpClient client, HttpRequest request) {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
