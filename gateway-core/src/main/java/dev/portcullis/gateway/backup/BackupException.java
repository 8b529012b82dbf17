package dev.portcullis.gateway.backup;

/**
 * A backup or restore that cannot go on. {@link #refused()} when the archive itself is refused (altered,
 * wrongly keyed, truncated, a checksum that does not match) or the target is not empty; otherwise it could not
 * be done (unreadable file, unreachable store, a schema this build does not know). Messages never contain a key.
 */
public final class BackupException extends Exception {

  private final boolean refused;

  private BackupException(boolean refused, String message, Throwable cause) {
    super(message, cause, false, false);
    this.refused = refused;
  }

  /** The archive or the target was refused. */
  static BackupException refused(String message) {
    return new BackupException(true, message, null);
  }

  /** The work could not be done. */
  static BackupException failed(String message, Throwable cause) {
    return new BackupException(false, message, cause);
  }

  static BackupException failed(String message) {
    return failed(message, null);
  }

  public boolean refused() {
    return refused;
  }
}
