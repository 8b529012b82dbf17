package dev.portcullis.plugins.audithttp;

import dev.portcullis.plugin.audit.AuditRecord;
import dev.portcullis.plugin.audit.AuditSink;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * POSTs a batch as JSON Lines. The future completes when the collector answered 2xx to every POST of
 * the batch (one, unless the batch is larger than {@code maxBatchBytes}); any other status, a
 * connection or TLS error, or no answer within the timeout fails it, and the shipper retries the
 * whole batch. Error messages name the collector's scheme, host and port and the status, never the
 * configured headers, the path or the query.
 */
final class HttpSink implements AuditSink {

  static final String CONTENT_TYPE = "application/x-ndjson";


  private final Vertx vertx;
  private final String url;
  private final String target;
  private final Map<String, String> headers;
  private final long timeoutMillis;
  private final long maxBatchBytes;
  private final HttpClientAgent client;

  HttpSink(Vertx vertx, URI uri, Map<String, String> headers, Duration timeout, Path caFile,
      long maxBatchBytes) {
    this.vertx = vertx;
    this.url = uri.toString();
    boolean https = "https".equalsIgnoreCase(uri.getScheme());
    int port = uri.getPort() > 0 ? uri.getPort() : https ? 443 : 80;
    this.target = uri.getScheme().toLowerCase(java.util.Locale.ROOT) + "://" + uri.getHost() + ":" + port;
    this.headers = headers;
    this.timeoutMillis = timeout.toMillis();
    this.maxBatchBytes = maxBatchBytes;
    HttpClientOptions options = new HttpClientOptions()
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMillis))
        .setKeepAlive(true)
        .setVerifyHost(true);
    if (caFile != null) {
      options.setTrustOptions(new PemTrustOptions().addCertPath(caFile.toString()));
    }
    // batches are sent one at a time: one connection is enough
    this.client = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(1));
  }

  @Override
  public Future<Void> deliver(List<AuditRecord> batch) {
    if (batch.isEmpty()) {
      return Future.succeededFuture();
    }
    Future<Void> chain = Future.succeededFuture();
    for (List<AuditRecord> part : split(batch)) {
      chain = chain.compose(v -> post(part));
    }
    return chain;
  }

  /** Consecutive slices whose bodies stay within maxBatchBytes (a single larger record goes alone). */
  private List<List<AuditRecord>> split(List<AuditRecord> batch) {
    List<List<AuditRecord>> parts = new ArrayList<>();
    int start = 0;
    long bytes = 0;
    for (int i = 0; i < batch.size(); i++) {
      long size = lineBytes(batch.get(i));
      if (i > start && bytes + size > maxBatchBytes) {
        parts.add(batch.subList(start, i));
        start = i;
        bytes = 0;
      }
      bytes += size;
    }
    parts.add(batch.subList(start, batch.size()));
    return parts;
  }

  private static long lineBytes(AuditRecord record) {
    String json = record.json();
    // UTF-8 length without encoding twice for the common all-ASCII case
    long ascii = json.chars().allMatch(c -> c < 0x80) ? json.length() : json.getBytes(StandardCharsets.UTF_8).length;
    return ascii + 1;
  }

  private Future<Void> post(List<AuditRecord> part) {
    AuditRecord first = part.get(0);
    AuditRecord last = part.get(part.size() - 1);
    String records = "records " + first.sequence() + "-" + last.sequence();
    Buffer body = Buffer.buffer();
    for (AuditRecord record : part) {
      body.appendString(record.json(), "UTF-8").appendByte((byte) '\n');
    }
    RequestOptions request = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setAbsoluteURI(url)
        .setTimeout(timeoutMillis)
        .setFollowRedirects(false);
    headers.forEach(request::putHeader);
    request.putHeader("Content-Type", CONTENT_TYPE)
        .putHeader("User-Agent", "portcullis-audit-http")
        .putHeader("X-Portcullis-Batch", first.sequence() + "-" + last.sequence())
        .putHeader("Idempotency-Key", first.eventId() + "-" + last.eventId());

    Promise<Void> result = Promise.promise();
    AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
    long timer = vertx.setTimer(timeoutMillis, id -> {
      if (result.tryFail(new CollectorException("collector " + target + " did not answer within "
          + timeoutMillis + " ms (" + records + ")", null))) {
        HttpClientRequest pending = sent.get();
        if (pending != null) {
          pending.reset();
        }
      }
    });
    client.request(request)
        .compose(req -> {
          sent.set(req);
          return req.send(body);
        })
        .compose(response -> response.body().map(ignored -> response.statusCode()))
        .onComplete(ar -> {
          vertx.cancelTimer(timer);
          if (ar.failed()) {
            result.tryFail(new CollectorException("cannot deliver to collector " + target + " (" + records + "): "
                + ar.cause(), ar.cause()));
          } else if (ar.result() / 100 != 2) {
            result.tryFail(new CollectorException("collector " + target + " answered HTTP " + ar.result()
                + " (" + records + "); only 2xx counts as accepted", null));
          } else {
            result.tryComplete();
          }
        });
    return result.future();
  }

  @Override
  public Future<Void> close() {
    return client.close();
  }

  /** A refused or failed POST; the message never contains header values. */
  static final class CollectorException extends RuntimeException {
    CollectorException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
