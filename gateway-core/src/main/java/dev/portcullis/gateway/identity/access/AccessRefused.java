package dev.portcullis.gateway.identity.access;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An access request, vote or elevation refused for a reason the user can act on. {@code fields}
 * names the form fields at fault with what is wrong with each (empty when the refusal is about
 * something else), {@code key} is stable (for tests and the admin API), {@code status} the HTTP
 * status a page or API answers with: 400 bad input, 403 not allowed, 404 unknown request, 409 the
 * request is no longer open to this.
 */
public final class AccessRefused extends RuntimeException {

  private final int status;
  private final String key;
  private final Map<String, String> fields;

  public AccessRefused(int status, String key, String message) {
    this(status, key, Map.of(), message);
  }

  private AccessRefused(int status, String key, Map<String, String> fields, String message) {
    super(message, null, false, false);
    this.status = status;
    this.key = key;
    this.fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
  }

  /** Bad input: 400 with key {@code invalid}, naming each field. */
  static AccessRefused invalid(Map<String, String> fields) {
    return new AccessRefused(400, "invalid", fields, String.join(" ", fields.values()));
  }

  static AccessRefused invalid(String field, String message) {
    return invalid(Map.of(field, message));
  }

  static AccessRefused forbidden(String key, String message) {
    return new AccessRefused(403, key, message);
  }

  static AccessRefused conflict(String key, String message) {
    return new AccessRefused(409, key, message);
  }

  public int status() {
    return status;
  }

  public String key() {
    return key;
  }

  /** Form field → what is wrong with it, in form order. */
  public Map<String, String> fields() {
    return fields;
  }
}
