package dev.portcullis.gateway.policy;

import java.util.concurrent.TimeoutException;

/** A policy's future was still pending at the route's policy timeout. */
final class PolicyTimeoutException extends TimeoutException {
  PolicyTimeoutException(long millis) {
    super("no decision within " + millis + " ms");
  }
}
