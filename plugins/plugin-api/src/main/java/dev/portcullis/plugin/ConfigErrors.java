package dev.portcullis.plugin;

/**
 * Where a factory reports what is wrong with its configuration. Each report names the field
 * (relative to the policy's configuration, e.g. {@code allow[2]}); the core adds the route,
 * the policy and the line, and refuses the whole file if anything was reported.
 */
public interface ConfigErrors {

  /** Reports a problem with one field of the policy's configuration. */
  void add(String field, String message);
}
