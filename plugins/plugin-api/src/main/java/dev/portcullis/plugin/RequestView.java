package dev.portcullis.plugin;

import java.util.List;

/**
 * A read-only view of the request as the core has canonicalised it. Policies must decide on these
 * values, never on a raw URI: {@link #path()} is the normalised path that is also forwarded.
 */
public interface RequestView {

  /** Upper-case method, e.g. {@code GET}. */
  String method();

  /** The normalised path (no query): dot segments removed, unreserved escapes decoded. */
  String path();

  /** The raw query string without {@code ?}, or null. It may hold secrets: never log it. */
  String query();

  /** Lower-case host without port. */
  String host();

  /** The first value of a header (case-insensitive name), or null. */
  String header(String name);

  /** Every value of a header in order; empty when absent. */
  List<String> headers(String name);
}
