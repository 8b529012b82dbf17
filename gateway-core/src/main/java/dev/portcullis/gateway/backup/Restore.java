package dev.portcullis.gateway.backup;

import com.zaxxer.hikari.HikariDataSource;
import dev.portcullis.gateway.config.GatewayConfig;
import io.vertx.core.json.JsonObject;
import org.flywaydb.core.api.MigrationVersion;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checks an archive, and restores one into the empty data directory and empty IAM store that a configuration
 * names. Nothing is written to the target until the whole archive has been decrypted and checked against its
 * manifest (into a private staging directory beside the data directory, removed afterwards); then the files
 * are moved into place and the store is loaded in one transaction, and if either fails the files placed are
 * removed again.
 *
 * <p>Where each entry goes is decided by the <em>target</em> configuration: {@code tls/} into its
 * {@code dataDir/tls}, the checkpoint key pair to its {@code audit.signingKey}, the TOTP key to its generated
 * key file, {@code audit/} into its journal directory. The archived configuration file is not installed (the
 * target's is in use); {@link #extractConfig} writes it out for the operator.
 */
public final class Restore {

  private static final Pattern KNOWN = Pattern.compile(
      "config/[^/]+|tls/[^/]+|keys/(audit-signing-key\\.pem(\\.pub)?|totp-secret\\.key)|store/[a-z_]+\\.jsonl"
          + "|audit/[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*");

  private Restore() {
  }

  /** What a restore did. */
  public record Result(JsonObject manifest, Map<String, Long> rows, int files) {
  }

  /** Reads and checks the whole archive, writing nothing; returns its manifest. */
  public static JsonObject verify(Path archive, byte[] key) throws BackupException {
    try (InputStream in = open(archive)) {
      return BackupArchive.read(in, key, (name, content) -> checkName(name));
    } catch (IOException e) {
      throw BackupException.failed("cannot read " + archive + ": " + e.getMessage(), e);
    }
  }

  /** Writes the archived configuration file to {@code target} (a new file) once the archive checked out. */
  public static Path extractConfig(Path archive, byte[] key, Path target) throws BackupException {
    if (Files.exists(target)) {
      throw BackupException.failed(target + " already exists: name a new file for the archived configuration");
    }
    byte[][] config = new byte[1][];
    try (InputStream in = open(archive)) {
      BackupArchive.read(in, key, (name, content) -> {
        checkName(name);
        if (name.startsWith("config/")) {
          config[0] = content.readAllBytes();
        }
      });
    } catch (IOException e) {
      throw BackupException.failed("cannot read " + archive + ": " + e.getMessage(), e);
    }
    if (config[0] == null) {
      throw BackupException.refused("the archive holds no configuration file");
    }
    try {
      Path parent = target.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Files.write(target, config[0], java.nio.file.StandardOpenOption.CREATE_NEW);
      return target;
    } catch (IOException e) {
      throw BackupException.failed("cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  /** Restores {@code archive} into what {@code target} names, which must be empty. */
  public static Result restore(GatewayConfig target, Path archive, byte[] key) throws BackupException {
    Path dataDir = target.dataDir().toAbsolutePath();
    Path journal = target.audit().directory().toAbsolutePath();
    Path signingKey = target.audit().signingKey().toAbsolutePath();
    requireEmpty(dataDir, "the data directory");
    requireEmpty(journal, "the audit journal directory");
    if (Files.exists(signingKey)) {
      throw BackupException.refused("the audit signing key " + signingKey + " already exists: restore needs an "
          + "empty target");
    }
    Path staging;
    try {
      Path parent = dataDir.getParent();
      Files.createDirectories(parent);
      staging = Files.createTempDirectory(parent, ".portcullis-restore-",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (IOException e) {
      throw BackupException.failed("cannot create a staging directory beside " + dataDir + ": " + e.getMessage(), e);
    }
    try {
      JsonObject manifest;
      try (InputStream in = open(archive)) {
        manifest = BackupArchive.read(in, key, (name, content) -> {
          checkName(name);
          Path file = staging.resolve(name).normalize();
          if (!file.startsWith(staging)) {
            throw BackupException.refused("entry " + name + " points outside the target");
          }
          Files.createDirectories(file.getParent());
          Files.copy(content, file);
        });
      } catch (IOException e) {
        throw BackupException.failed("cannot read " + archive + ": " + e.getMessage(), e);
      }
      boolean encrypted = manifest.getJsonObject("journal", new JsonObject()).getBoolean("encrypted", false);
      if (encrypted != (target.audit().encryptionKey() != null)) {
        throw BackupException.failed("the archived audit journal is " + (encrypted ? "" : "not ") + "encrypted but "
            + "the target configuration " + (encrypted ? "has no audit.encryption.key" : "sets audit.encryption.key")
            + ": use the same audit encryption setting (and key) as the original");
      }
      requireSameKeys(manifest, target, staging);
      JsonObject store = manifest.getJsonObject("store");
      if (store != null && !target.identityEnabled()) {
        throw BackupException.failed("the archive holds an IAM store but the target configuration has no identity "
            + "section to restore it into");
      }
      // Files first, the store last: whatever fails, the files placed so far are taken away again, so that
      // a failed restore leaves the target as empty as it found it and can be tried again.
      Placed placed = new Placed();
      Map<String, Long> rows = new LinkedHashMap<>();
      MigrationVersion version = store == null ? null : MigrationVersion.fromVersion(store.getString("schemaVersion"));
      try {
        placed.tree(staging.resolve("tls"), dataDir.resolve("tls"));
        placed.file(staging.resolve(Backup.SIGNING_KEY), signingKey);
        placed.file(staging.resolve(Backup.SIGNING_PUB), signingKey.resolveSibling(signingKey.getFileName()
            + ".pub"));
        if (target.identityEnabled()) {
          placed.file(staging.resolve(Backup.TOTP_KEY), target.identity().mfa().secretKeyFile().toAbsolutePath());
        }
        placed.tree(staging.resolve("audit"), journal);
        if (store != null) {
          rows = loadStore(target, version, staging);
        }
      } catch (IOException e) {
        placed.undo();
        throw BackupException.failed("cannot write the restored files (those written were removed again): "
            + e.getMessage(), e);
      } catch (BackupException | RuntimeException e) {
        placed.undo();
        throw e;
      }
      if (store != null) {
        // the restore stands from here on (no undo): a failed upgrade is tried again by the gateway at start
        try (HikariDataSource source = StoreSnapshot.open(target.identity().store())) {
          StoreSnapshot.upgrade(source, version);
        }
      }
      return new Result(manifest, rows, placed.files.size());
    } finally {
      deleteTree(staging);
    }
  }

  /**
   * The target must open what the archive holds: its journal segments with the same audit encryption key, its
   * TOTP secrets with the key that sealed them (configured, or the generated one the archive carries).
   */
  private static void requireSameKeys(JsonObject manifest, GatewayConfig target, Path staging)
      throws BackupException {
    JsonObject archived = manifest.getJsonObject("keys", new JsonObject());
    requireSameKey(Backup.AUDIT_KEY_ID, archived.getString(Backup.AUDIT_KEY_ID), target.audit().encryptionKey(),
        "the archived journal segments");
    if (!target.identityEnabled()) {
      return;
    }
    String totp = archived.getString(Backup.TOTP_KEY_ID);
    Path generated = staging.resolve(Backup.TOTP_KEY);
    if (totp == null && Files.exists(generated)) {
      byte[] key;
      try {
        key = java.util.Base64.getDecoder().decode(Files.readString(generated,
            java.nio.charset.StandardCharsets.US_ASCII).trim());
      } catch (IllegalArgumentException | IOException e) {
        throw BackupException.refused("the archived " + Backup.TOTP_KEY + " cannot be read as base64 of a key");
      }
      totp = BackupKey.keyId(Backup.TOTP_KEY_ID, key);
      if (target.identity().mfa().secretKey() == null) {
        return; // the target uses the generated key file, which the restore puts in place
      }
    }
    requireSameKey(Backup.TOTP_KEY_ID, totp, target.identity().mfa().secretKey(), "the archived TOTP secrets");
  }

  private static void requireSameKey(String field, String archivedId, byte[] targetKey, String what)
      throws BackupException {
    if (archivedId == null) {
      return;
    }
    String targetId = targetKey == null ? null : BackupKey.keyId(field, targetKey);
    if (!archivedId.equals(targetId)) {
      throw BackupException.refused(what + " were sealed with the key whose id is " + archivedId + ", but the "
          + "target configuration " + (targetId == null ? "sets no " + field : "sets " + field + " with id "
          + targetId) + ": configure the original key (nothing was changed)");
    }
  }

  private static Map<String, Long> loadStore(GatewayConfig target, MigrationVersion version, Path staging)
      throws BackupException {
    try (HikariDataSource source = StoreSnapshot.open(target.identity().store())) {
      MigrationVersion known = StoreSnapshot.newestKnown(source);
      if (version.isNewerThan(known)) {
        throw BackupException.failed("the archive's IAM store is at schema version " + version + ", newer than this "
            + "portcullis knows (" + known + "): restore with the version that made the backup, or a newer one");
      }
      MigrationVersion installed = StoreSnapshot.installed(source);
      if (installed != null) {
        throw BackupException.refused("the IAM store at " + StoreSnapshot.redact(target.identity().store().jdbcUrl())
            + " is not empty (schema version " + installed + " is installed): restore needs an empty store");
      }
      Map<String, Path> staged = new LinkedHashMap<>();
      for (StoreSnapshot.Table table : StoreSnapshot.TABLES) {
        Path file = staging.resolve(table.entry());
        if (Files.exists(file)) {
          staged.put(table.name(), file);
        }
      }
      return StoreSnapshot.load(source, version, staged);
    }
  }

  private static InputStream open(Path archive) throws BackupException {
    try {
      return new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
    } catch (NoSuchFileException e) {
      throw BackupException.failed(archive + " does not exist");
    } catch (IOException e) {
      throw BackupException.failed("cannot read " + archive + ": " + e.getMessage(), e);
    }
  }

  private static void checkName(String name) throws BackupException {
    if (!KNOWN.matcher(name).matches() || name.contains("..")) {
      throw BackupException.refused("entry " + name + " is not one this build knows how to restore");
    }
  }

  private static void requireEmpty(Path dir, String what) throws BackupException {
    if (!Files.exists(dir)) {
      return;
    }
    if (!Files.isDirectory(dir)) {
      throw BackupException.refused(what + " " + dir + " is a file: restore needs an empty directory");
    }
    try (Stream<Path> entries = Files.list(dir)) {
      if (entries.findAny().isPresent()) {
        throw BackupException.refused(what + " " + dir + " is not empty: restore only into an empty directory "
            + "(nothing was changed)");
      }
    } catch (IOException e) {
      throw BackupException.failed("cannot read " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The files (and directories) a restore put in place, to take away again if it cannot finish. */
  private static final class Placed {
    final java.util.List<Path> files = new java.util.ArrayList<>();
    final java.util.List<Path> directories = new java.util.ArrayList<>();

    /** Moves every file under {@code from} to the same place under {@code to}. */
    void tree(Path from, Path to) throws IOException {
      if (!Files.isDirectory(from)) {
        return;
      }
      try (Stream<Path> walk = Files.walk(from)) {
        for (Path file : walk.filter(Files::isRegularFile).sorted().toList()) {
          file(file, to.resolve(from.relativize(file).toString()));
        }
      }
    }

    void file(Path from, Path to) throws IOException {
      if (!Files.exists(from)) {
        return;
      }
      createDirectories(to.getParent());
      if (Files.exists(to)) {
        throw new FileAlreadyExistsException(to.toString(), null, "appeared during the restore");
      }
      try {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
      } catch (java.nio.file.AtomicMoveNotSupportedException e) {
        Files.move(from, to); // another file system: copied, then removed from staging
      }
      files.add(to);
    }

    private void createDirectories(Path dir) throws IOException {
      if (dir == null || Files.isDirectory(dir)) {
        return;
      }
      createDirectories(dir.getParent());
      Files.createDirectory(dir);
      directories.add(dir);
    }

    /** Best effort: the target was checked empty, so nothing here was there before. */
    void undo() {
      for (Path file : files) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException ignored) {
          // left for the operator; the next attempt names it
        }
      }
      for (int i = directories.size() - 1; i >= 0; i--) {
        try {
          Files.deleteIfExists(directories.get(i));
        } catch (IOException ignored) {
          // not empty (someone else wrote there): left as it is
        }
      }
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException ignored) {
      // best effort; the directory is private to its owner
    }
  }
}
