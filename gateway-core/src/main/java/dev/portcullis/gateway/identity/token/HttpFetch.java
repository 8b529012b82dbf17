package dev.portcullis.gateway.identity.token;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Small HTTP(S) calls to identity providers (discovery documents, JWKS, token endpoints), with
 * certificate verification always on and a bounded answer size.
 */
public final class HttpFetch {

  private static final int MAX_BODY = 512 * 1024;
  private final HttpClient client;
  private final Duration timeout;

  public HttpFetch(Vertx vertx, Path caFile, Duration timeout) {
    HttpClientOptions options = new HttpClientOptions().setVerifyHost(true).setConnectTimeout((int) timeout.toMillis())
        .setKeepAlive(true);
    if (caFile != null) {
      options.setTrustOptions(new PemTrustOptions().addCertPath(caFile.toString()));
    }
    this.client = vertx.createHttpClient(options);
    this.timeout = timeout;
  }

  public Future<Buffer> get(URI uri) {
    return send(uri, HttpMethod.GET, null, null);
  }

  /** POSTs a form ({@code application/x-www-form-urlencoded}); resolves to the body of a 2xx answer. */
  public Future<Buffer> postForm(URI uri, String form, String authorization) {
    return send(uri, HttpMethod.POST, form, authorization);
  }

  private Future<Buffer> send(URI uri, HttpMethod method, String form, String authorization) {
    RequestOptions options = new RequestOptions().setAbsoluteURI(uri.toString()).setMethod(method)
        .setTimeout(timeout.toMillis()).putHeader("Accept", "application/json");
    if (form != null) {
      options.putHeader("Content-Type", "application/x-www-form-urlencoded");
    }
    if (authorization != null) {
      options.putHeader("Authorization", authorization);
    }
    return client.request(options)
        .compose(request -> form == null ? request.send() : request.send(form))
        .compose(response -> {
          String length = response.getHeader("Content-Length");
          if (length != null && length.length() < 10 && Long.parseLong(length) > MAX_BODY) {
            return Future.failedFuture(uri.getHost() + " answered with a body over " + MAX_BODY + " bytes");
          }
          return response.body().compose(body -> {
            if (response.statusCode() / 100 != 2) {
              return Future.failedFuture(method + " " + uri.getHost() + uri.getPath() + " answered "
                  + response.statusCode());
            }
            if (body.length() > MAX_BODY) {
              return Future.failedFuture(uri.getHost() + " answered with a body over " + MAX_BODY + " bytes");
            }
            return Future.succeededFuture(body);
          });
        });
  }

  public Future<Void> close() {
    return client.close();
  }
}
