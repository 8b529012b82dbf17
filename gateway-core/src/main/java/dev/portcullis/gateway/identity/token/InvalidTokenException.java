package dev.portcullis.gateway.identity.token;

/** A presented token that must not be honoured; the message says why, without the token. */
public final class InvalidTokenException extends RuntimeException {
  public InvalidTokenException(String message) {
    super(message, null, false, false);
  }
}
