package dev.portcullis.gateway.proxy;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * Passes a request body through while counting it; past {@code limit} bytes the stream fails with
 * {@link TooLargeException} instead of delivering more, so the upstream never receives the excess.
 */
final class BodyLimit implements ReadStream<Buffer> {

  /** The body grew past the route's limit while streaming. */
  static final class TooLargeException extends RuntimeException {
    TooLargeException() {
      super("request body exceeds the route's limit", null, false, false);
    }
  }

  private final ReadStream<Buffer> source;
  private final long limit;
  private long seen;
  private Handler<Throwable> exceptionHandler;
  private Handler<Buffer> handler;
  private Buffer pending;
  private boolean exceeded;
  private Runnable onExceeded = () -> { };
  private Runnable onEnd = () -> { };

  /** @param first a chunk already read from {@code source} (to learn whether a body exists), or null */
  BodyLimit(ReadStream<Buffer> source, long limit, Buffer first) {
    this.source = source;
    this.limit = limit;
    this.pending = first;
  }

  boolean exceeded() {
    return exceeded;
  }

  /**
   * What to do the moment the limit is passed. A pipe that fails still ends its destination, which
   * would hand the upstream a truncated body that looks complete; the forwarder resets it instead.
   */
  void onExceeded(Runnable action) {
    this.onExceeded = action;
  }

  @Override
  public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    source.exceptionHandler(handler);
    return this;
  }

  @Override
  public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    this.handler = handler;
    source.handler(handler == null ? null : this::deliver);
    return this;
  }

  private void deliver(Buffer chunk) {
    if (exceeded) {
      return;
    }
    seen += chunk.length();
    if (seen > limit) {
      exceeded = true;
      source.pause();
      onExceeded.run();
      if (exceptionHandler != null) {
        exceptionHandler.handle(new TooLargeException());
      }
      return;
    }
    handler.handle(chunk);
  }

  @Override
  public ReadStream<Buffer> pause() {
    source.pause();
    return this;
  }

  @Override
  public ReadStream<Buffer> resume() {
    if (pending != null && handler != null) {
      Buffer first = pending;
      pending = null;
      deliver(first);
    }
    if (!exceeded) {
      source.resume();
    }
    return this;
  }

  @Override
  public ReadStream<Buffer> fetch(long amount) {
    if (!exceeded) {
      source.fetch(amount);
    }
    return this;
  }

  /** What to do when the whole body has been read (before the pipe ends the destination). */
  void onEnd(Runnable action) {
    this.onEnd = action;
  }

  @Override
  public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
    source.endHandler(endHandler == null ? null : v -> {
      onEnd.run();
      endHandler.handle(v);
    });
    return this;
  }
}
