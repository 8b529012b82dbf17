package dev.portcullis.gateway.identity.store;

/** A store operation refused for a reason the caller can name (duplicate, unknown reference, …). */
public class IamException extends RuntimeException {

  public enum Kind { CONFLICT, NOT_FOUND, INVALID, UNAVAILABLE }

  private final Kind kind;

  public IamException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public IamException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
