package dev.portcullis.gateway.cli;

/**
 * A command could not do what was asked; {@link Cli} prints the message (prefixed by the command's
 * name) on standard error and exits with {@link #exitCode()}. Messages never contain the token.
 */
final class CliFailure extends RuntimeException {

  private final int exitCode;
  private final String document;

  CliFailure(int exitCode, String message) {
    this(exitCode, message, null);
  }

  /** @param document the gateway's problem document, printed on standard output with {@code --json} */
  CliFailure(int exitCode, String message, String document) {
    super(message, null, false, false);
    this.exitCode = exitCode;
    this.document = document;
  }

  /** The gateway refused ({@link Cli#REFUSED}). */
  static CliFailure refused(String message) {
    return new CliFailure(Cli.REFUSED, message);
  }

  /** The command could not be carried out: unreachable, TLS, unreadable file, invalid configuration. */
  static CliFailure failed(String message) {
    return new CliFailure(Cli.FAILED, message);
  }

  int exitCode() {
    return exitCode;
  }

  /** The problem document the gateway answered with, or null. */
  String document() {
    return document;
  }
}
