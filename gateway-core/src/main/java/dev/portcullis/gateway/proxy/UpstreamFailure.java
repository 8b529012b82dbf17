package dev.portcullis.gateway.proxy;

import dev.portcullis.gateway.pipeline.Problem;
import io.netty.channel.ConnectTimeoutException;

import javax.net.ssl.SSLException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeoutException;

/** Turns a failure towards an upstream into the problem the client sees (by type, never by message text). */
final class UpstreamFailure {

  /** The upstream did not start its response within the route's response-header timeout. */
  static final class ResponseHeaderTimeoutException extends TimeoutException {
    ResponseHeaderTimeoutException() {
      super("upstream response header timeout");
    }
  }

  private UpstreamFailure() {
  }

  static Problem problem(Throwable cause) {
    if (cause instanceof BodyLimit.TooLargeException) {
      return null; // caller answers 413
    }
    if (cause instanceof ConnectTimeoutException) {
      return Problem.gatewayTimeout("UPSTREAM_CONNECT_TIMEOUT", "the upstream did not accept a connection in time");
    }
    // Vert.x reports idle timeouts as NoStackTraceTimeoutException, a TimeoutException.
    if (cause instanceof TimeoutException) {
      return Problem.gatewayTimeout("UPSTREAM_TIMEOUT", "the upstream did not answer in time");
    }
    if (cause instanceof ConnectException || cause instanceof UnknownHostException) {
      return Problem.badGateway("UPSTREAM_UNREACHABLE", "the upstream refused or could not be reached");
    }
    if (cause instanceof SSLException) {
      return Problem.badGateway("UPSTREAM_TLS_FAILED", "the TLS handshake with the upstream failed");
    }
    return Problem.badGateway("UPSTREAM_FAILED", "the upstream closed the connection without a valid response");
  }
}
