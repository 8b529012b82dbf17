package dev.portcullis.gateway.backup;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The archive format without a gateway: what goes in comes out, and every kind of damage — a flipped byte
 * anywhere, another key, a cut, bytes added, an entry that does not match the manifest, a file that is no
 * archive — is refused with a message that says which.
 */
class BackupArchiveTest {

  static final byte[] KEY = key(1);
  static final byte[] OTHER_KEY = key(2);
  static final int CHUNK = 4096; // small chunks: the archives below span many of them

  @TempDir
  Path dir;

  static byte[] key(int seed) {
    byte[] key = new byte[32];
    new Random(seed).nextBytes(key);
    return key;
  }

  /** Three entries, one of them random (incompressible) across several chunks. */
  static byte[] archive() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BackupArchive.Writer writer = BackupArchive.create(out, KEY, CHUNK);
    byte[] random = new byte[20_000];
    new Random(7).nextBytes(random);
    writer.add("store/users.jsonl", o -> o.write("{\"id\":\"u1\"}\n".getBytes(StandardCharsets.UTF_8)));
    writer.add("audit/segment-00000001.jsonl", o -> o.write(random));
    writer.add("tls/empty.pem", o -> { });
    writer.finish(new JsonObject().put("createdAt", "2026-01-01T00:00:00Z"));
    return out.toByteArray();
  }

  static Map<String, byte[]> read(byte[] archive, byte[] key) throws Exception {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    BackupArchive.read(new ByteArrayInputStream(archive), key, (name, in) -> entries.put(name, in.readAllBytes()));
    return entries;
  }

  static BackupException refusal(byte[] archive, byte[] key) {
    try {
      read(archive, key);
    } catch (BackupException e) {
      return e;
    } catch (Exception e) {
      throw new AssertionError("expected a refusal, got " + e, e);
    }
    throw new AssertionError("the archive was accepted");
  }

  @Test
  void whatGoesInComesOutWithItsManifest() throws Exception {
    byte[] archive = archive();
    assertThat(new String(archive, 0, 6, StandardCharsets.US_ASCII)).isEqualTo("PCLBAK");
    assertThat(new String(archive, StandardCharsets.ISO_8859_1)).doesNotContain("\"id\":\"u1\"").doesNotContain("users");
    Map<String, byte[]> entries = new LinkedHashMap<>();
    JsonObject manifest = BackupArchive.read(new ByteArrayInputStream(archive), KEY,
        (name, in) -> entries.put(name, in.readAllBytes()));
    assertThat(entries.keySet()).containsExactly("store/users.jsonl", "audit/segment-00000001.jsonl", "tls/empty.pem");
    assertThat(new String(entries.get("store/users.jsonl"), StandardCharsets.UTF_8)).isEqualTo("{\"id\":\"u1\"}\n");
    assertThat(entries.get("audit/segment-00000001.jsonl")).hasSize(20_000);
    assertThat(entries.get("tls/empty.pem")).isEmpty();
    assertThat(manifest.getString("createdAt")).isEqualTo("2026-01-01T00:00:00Z");
    assertThat(BackupArchive.entries(manifest)).extracting(BackupArchive.Entry::size).containsExactly(12L, 20_000L, 0L);
    assertThat(BackupArchive.entries(manifest).get(0).sha256()).hasSize(64);
    // a handler that reads nothing still gets every byte checked
    BackupArchive.read(new ByteArrayInputStream(archive), KEY, (name, in) -> { });
  }

  @Test
  void aFlippedByteAnywhereIsRefusedAsAlteredOrWrongKey() throws Exception {
    byte[] archive = archive();
    assertThat(archive.length).isGreaterThan(4 * CHUNK);
    // every byte of the header and of the first frame, then every 97th byte up to the end
    for (int i = 0; i < archive.length; i += i < 200 ? 1 : 97) {
      byte[] altered = archive.clone();
      altered[i] ^= 0x01;
      BackupException e = refusal(altered, KEY);
      assertThat(e.refused()).as("byte " + i).isTrue();
      if (i >= 8) { // past the magic and the version
        assertThat(e.getMessage()).as("byte " + i).containsAnyOf("altered or the key is wrong", "truncated",
            "after its final chunk");
      }
    }
    byte[] lastByte = archive.clone();
    lastByte[lastByte.length - 1] ^= 0x01;
    assertThat(refusal(lastByte, KEY).getMessage()).contains("the archive was altered or the key is wrong");
  }

  @Test
  void anotherKeyIsRefusedWithTheSameMessageAndBothFingerprints() throws Exception {
    BackupException e = refusal(archive(), OTHER_KEY);
    assertThat(e.refused()).isTrue();
    assertThat(e.getMessage()).contains("the archive was altered or the key is wrong (AES-GCM cannot tell which)")
        .contains("sealed with key " + BackupKey.fingerprint(KEY))
        .contains("the key given is " + BackupKey.fingerprint(OTHER_KEY));
  }

  @Test
  void aTruncatedArchiveIsRefused() throws Exception {
    byte[] archive = archive();
    int header = 6 + 2 + 8 + 32 + 4;
    int firstFrameEnd = header + 5 + CHUNK + 16;
    for (int cut : new int[] {header, header + 3, header + 100, firstFrameEnd, firstFrameEnd + 1, archive.length - 1}) {
      BackupException e = refusal(Arrays.copyOf(archive, cut), KEY);
      assertThat(e.getMessage()).as("cut at " + cut).contains("truncated");
    }
    assertThat(refusal(Arrays.copyOf(archive, 20), KEY).getMessage()).contains("truncated: it ends inside its header");
  }

  @Test
  void bytesAfterTheFinalChunkAreRefused() throws Exception {
    byte[] archive = archive();
    byte[] longer = Arrays.copyOf(archive, archive.length + 1);
    assertThat(refusal(longer, KEY).getMessage()).contains("bytes after its final chunk");
  }

  @Test
  void anEntryThatDoesNotMatchItsManifestChecksumIsRefused() throws Exception {
    // correctly sealed (the key holder made it), but the manifest disagrees with the content
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(SealedStream.seal(out, KEY, CHUNK))) {
      zip.putNextEntry(new ZipEntry("store/users.jsonl"));
      zip.write("{\"id\":\"u2\"}\n".getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
      zip.putNextEntry(new ZipEntry(BackupArchive.MANIFEST));
      zip.write(new JsonObject().put("format", 1).put("entries", new JsonArray().add(new JsonObject()
          .put("name", "store/users.jsonl").put("size", 12).put("sha256", "00".repeat(32)))).encode()
          .getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
    }
    BackupException e = refusal(out.toByteArray(), KEY);
    assertThat(e.refused()).isTrue();
    assertThat(e.getMessage()).contains("entry store/users.jsonl does not match its checksum in the manifest");

    ByteArrayOutputStream missing = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(SealedStream.seal(missing, KEY, CHUNK))) {
      zip.putNextEntry(new ZipEntry(BackupArchive.MANIFEST));
      zip.write(new JsonObject().put("format", 1).put("entries", new JsonArray().add(new JsonObject()
          .put("name", "store/users.jsonl").put("size", 12).put("sha256", "00".repeat(32)))).encode()
          .getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
    }
    assertThat(refusal(missing.toByteArray(), KEY).getMessage()).contains("in the manifest but not in the archive");

    ByteArrayOutputStream noManifest = new ByteArrayOutputStream();
    try (OutputStream sealed = SealedStream.seal(noManifest, KEY, CHUNK); ZipOutputStream zip = new ZipOutputStream(sealed)) {
      zip.putNextEntry(new ZipEntry("tls/x.pem"));
      zip.closeEntry();
    }
    assertThat(refusal(noManifest.toByteArray(), KEY).getMessage()).contains("has no manifest");
  }

  @Test
  void anEmptyOrForeignFileGetsAClearMessage() throws Exception {
    assertThat(refusal(new byte[0], KEY).getMessage()).isEqualTo("the file is empty: not a backup archive");
    assertThat(refusal("hello, this is not an archive".getBytes(StandardCharsets.UTF_8), KEY).getMessage())
        .isEqualTo("not a Portcullis backup archive (it does not start with PCLBAK)");
    byte[] future = archive();
    future[7] = 9;
    assertThat(refusal(future, KEY).getMessage()).contains("archive format version 9: this build reads version 1");
  }

  @Test
  void keysComeFromRawOrBase64FilesAndAreNeverOverwrittenOrShown() throws Exception {
    Path generated = dir.resolve("keys/backup.key");
    BackupKey.generate(generated);
    byte[] key = BackupKey.read(generated);
    assertThat(key).hasSize(32);
    assertThat(Files.getPosixFilePermissions(generated)).extracting(Object::toString)
        .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
    assertThatThrownBy(() -> BackupKey.generate(generated)).hasMessageContaining("already exists");
    assertThat(BackupKey.read(generated)).isEqualTo(key);

    Path raw = dir.resolve("raw.key");
    Files.write(raw, KEY);
    assertThat(BackupKey.read(raw)).isEqualTo(KEY);

    Path bad = dir.resolve("bad.key");
    Files.writeString(bad, "c2VjcmV0LXRoYXQtaXMtdG9vLXNob3J0Cg==\n");
    assertThatThrownBy(() -> BackupKey.read(bad)).isInstanceOf(BackupException.class)
        .hasMessageContaining("neither 32 bytes nor base64 of 32 bytes").hasMessageNotContaining("c2VjcmV0");
    assertThatThrownBy(() -> BackupKey.fromEnv("not base64!")).hasMessageContaining("PORTCULLIS_BACKUP_KEY")
        .hasMessageNotContaining("not base64!");
    assertThat(BackupKey.fromEnv(java.util.Base64.getEncoder().encodeToString(KEY))).isEqualTo(KEY);
  }
}
