package dev.portcullis.gateway.backup;

import com.zaxxer.hikari.HikariDataSource;
import dev.portcullis.gateway.config.GatewayConfig;
import io.vertx.core.json.JsonObject;
import org.flywaydb.core.api.MigrationVersion;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes one backup archive of what a configuration names: the configuration file, the generated TLS pair
 * ({@code dataDir/tls}), the audit checkpoint key pair, the generated TOTP sealing key, a snapshot of the IAM
 * store, and the audit journal. Safe while the gateway runs: the store is read in one snapshot transaction, and
 * the journal — append-only — is copied head first, then each segment up to its last complete line, so the
 * copy always reaches the record its head names.
 *
 * <p>Entry names: {@code config/<file>}, {@code tls/<file>}, {@code keys/audit-signing-key.pem[.pub]},
 * {@code keys/totp-secret.key}, {@code store/<table>.jsonl}, {@code audit/<path in the journal directory>}.
 */
public final class Backup {

  static final String SIGNING_KEY = "keys/audit-signing-key.pem";
  static final String SIGNING_PUB = "keys/audit-signing-key.pem.pub";
  static final String TOTP_KEY = "keys/totp-secret.key";
  /** Manifest names of the configured keys' ids. */
  static final String TOTP_KEY_ID = "identity.mfa.secretKey";
  static final String AUDIT_KEY_ID = "audit.encryption.key";
  static final String HEAD = "journal.head";

  private Backup() {
  }

  /**
   * Writes the archive to {@code out} (which must not exist; it appears only once complete, readable by its
   * owner only) and returns its manifest.
   */
  public static JsonObject write(GatewayConfig config, Path out, byte[] key, Clock clock, String gatewayVersion)
      throws BackupException {
    if (Files.exists(out)) {
      throw BackupException.failed(out + " already exists: choose a new file (an archive is never overwritten)");
    }
    Path dir = out.toAbsolutePath().getParent();
    Path tmp;
    try {
      Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, "." + out.getFileName() + "-", ".tmp",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (IOException e) {
      throw BackupException.failed("cannot write in " + dir + ": " + e.getMessage());
    }
    try {
      JsonObject manifest;
      try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
        manifest = write(config, file, key, clock, gatewayVersion);
      }
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      try {
        Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, out);
      }
      return manifest;
    } catch (IOException e) {
      throw BackupException.failed("cannot write the archive " + out + ": " + e.getMessage(), e);
    } finally {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // best effort: a partial archive is useless but holds no plaintext
      }
    }
  }

  static JsonObject write(GatewayConfig config, OutputStream out, byte[] key, Clock clock, String gatewayVersion)
      throws IOException, BackupException {
    BackupArchive.Writer archive = BackupArchive.create(out, key);
    JsonObject manifest = new JsonObject()
        .put("createdAt", clock.instant().toString())
        .put("gatewayVersion", gatewayVersion)
        .put("instance", config.audit().instance())
        .put("keyFingerprint", BackupKey.fingerprint(key))
        .put("source", new JsonObject().put("config", config.source().toAbsolutePath().toString())
            .put("dataDir", config.dataDir().toAbsolutePath().toString()));

    archive.add("config/" + config.source().getFileName(), copy(config.source()));
    Path tls = config.dataDir().resolve("tls");
    if (Files.isDirectory(tls)) {
      for (Path file : regularFiles(tls)) {
        archive.add("tls/" + tls.relativize(file).toString().replace('\\', '/'), copy(file));
      }
    }
    Path signingKey = config.audit().signingKey();
    Path signingPub = signingKey.resolveSibling(signingKey.getFileName() + ".pub");
    if (Files.exists(signingKey)) {
      archive.add(SIGNING_KEY, copy(signingKey));
    }
    if (Files.exists(signingPub)) {
      archive.add(SIGNING_PUB, copy(signingPub));
    }
    if (config.identityEnabled() && config.identity().mfa().secretKey() == null
        && Files.exists(config.identity().mfa().secretKeyFile())) {
      archive.add(TOTP_KEY, copy(config.identity().mfa().secretKeyFile()));
    }

    if (config.identityEnabled()) {
      try (HikariDataSource store = StoreSnapshot.open(config.identity().store())) {
        MigrationVersion installed = StoreSnapshot.installed(store);
        MigrationVersion known = StoreSnapshot.newestKnown(store);
        if (installed == null) {
          throw BackupException.failed("the IAM store at " + StoreSnapshot.redact(config.identity().store().jdbcUrl())
              + " has no schema: has a gateway ever started on it?");
        }
        if (installed.isNewerThan(known)) {
          throw BackupException.failed("the IAM store is at schema version " + installed + ", newer than this "
              + "portcullis knows (" + known + "): back up with the same version as the gateway");
        }
        Map<String, Long> rows = StoreSnapshot.dump(store, Integer.parseInt(installed.getVersion()), archive);
        manifest.put("store", new JsonObject().put("schemaVersion", installed.getVersion())
            .put("url", StoreSnapshot.redact(config.identity().store().jdbcUrl())).put("rows", new JsonObject(
                new java.util.LinkedHashMap<>(rows))));
      }
    }

    manifest.put("journal", copyJournal(config.audit().directory(), archive)
        .put("encrypted", config.audit().encryptionKey() != null));
    manifest.put("keys", configuredKeyIds(config));
    return archive.finish(manifest);
  }

  /**
   * Keys set in the configuration (usually from the environment or a secret store) are not archived: they
   * belong to whatever provides them, and the archive would otherwise carry every key in one place. Their ids
   * are, so that a restore can refuse a target configured with other keys, which could not open the TOTP
   * secrets or the journal segments.
   */
  private static JsonObject configuredKeyIds(GatewayConfig config) {
    JsonObject ids = new JsonObject();
    if (config.identityEnabled() && config.identity().mfa().secretKey() != null) {
      ids.put(TOTP_KEY_ID, BackupKey.keyId(TOTP_KEY_ID, config.identity().mfa().secretKey()));
    }
    if (config.audit().encryptionKey() != null) {
      ids.put(AUDIT_KEY_ID, BackupKey.keyId(AUDIT_KEY_ID, config.audit().encryptionKey()));
    }
    return ids;
  }

  /** Head first, then everything else in the directory; segments only up to their last complete line. */
  private static JsonObject copyJournal(Path directory, BackupArchive.Writer archive)
      throws IOException, BackupException {
    JsonObject info = new JsonObject().put("segments", 0);
    if (!Files.isDirectory(directory)) {
      return info;
    }
    Path headFile = directory.resolve(HEAD);
    byte[] head = Files.exists(headFile) ? Files.readAllBytes(headFile) : null;
    int segments = 0;
    for (Path file : regularFiles(directory)) {
      String rel = directory.relativize(file).toString().replace('\\', '/');
      if (rel.equals(HEAD) || rel.endsWith(".tmp")) {
        continue;
      }
      if (rel.matches("segment-\\d{8}\\.jsonl(\\.enc)?")) {
        segments++;
        archive.add("audit/" + rel, out -> copyCompleteLines(file, out));
      } else {
        archive.add("audit/" + rel, copy(file));
      }
    }
    if (head != null) {
      archive.add("audit/" + HEAD, out -> out.write(head));
    }
    return info.put("segments", segments);
  }

  /** The bytes of an append-only file up to its size now, cut after the last newline (a line being written). */
  private static void copyCompleteLines(Path file, OutputStream out) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      long end = size;
      java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
      while (end > 0) {
        one.clear();
        ch.read(one, end - 1);
        if (one.get(0) == '\n') {
          break;
        }
        end--;
      }
      InputStream in = Channels.newInputStream(ch.position(0));
      long left = end;
      byte[] buffer = new byte[1 << 16];
      while (left > 0) {
        int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
        if (n < 0) {
          throw new IOException(file + " shrank while it was copied");
        }
        out.write(buffer, 0, n);
        left -= n;
      }
    } catch (NoSuchFileException e) {
      throw new IOException(file + " was removed while it was copied (journal retention?): run the backup again", e);
    }
  }

  private static BackupArchive.Content copy(Path file) {
    return out -> {
      try {
        Files.copy(file, out);
      } catch (NoSuchFileException e) {
        throw new IOException(file + " was removed while it was copied: run the backup again", e);
      }
    };
  }

  private static List<Path> regularFiles(Path dir) throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.filter(Files::isRegularFile).sorted().forEach(files::add);
    }
    return files;
  }
}
