package dev.portcullis.gateway.backup;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A backup archive: a ZIP stream of named entries followed by {@code manifest.json} (every entry's size and
 * SHA-256, plus what the backup was taken from), the whole sealed by {@link SealedStream}. Reading checks the
 * encryption layer chunk by chunk and then each entry against the manifest; an archive is accepted only when
 * both hold and nothing is missing or extra.
 */
public final class BackupArchive {

  public static final String MANIFEST = "manifest.json";
  public static final int FORMAT = 1;

  private BackupArchive() {
  }

  /** One entry as the manifest lists it. */
  public record Entry(String name, long size, String sha256) {
  }

  /** Writes content to an entry's stream. */
  @FunctionalInterface
  public interface Content {
    void writeTo(OutputStream out) throws IOException, BackupException;
  }

  /** Receives each entry's bytes (authenticated already) while it is read. */
  @FunctionalInterface
  public interface EntryHandler {
    void entry(String name, InputStream content) throws IOException, BackupException;
  }

  /** Starts an archive on {@code out} (closed by {@link Writer#finish}). */
  public static Writer create(OutputStream out, byte[] key) throws IOException {
    return create(out, key, SealedStream.DEFAULT_CHUNK);
  }

  static Writer create(OutputStream out, byte[] key, int chunkSize) throws IOException {
    return new Writer(new ZipOutputStream(SealedStream.seal(out, key, chunkSize)));
  }

  /** Adds entries in order; {@link #finish} appends the manifest and seals the end. */
  public static final class Writer {
    private final ZipOutputStream zip;
    private final List<Entry> entries = new ArrayList<>();

    private Writer(ZipOutputStream zip) {
      this.zip = zip;
    }

    public void add(String name, Content content) throws IOException, BackupException {
      if (name.equals(MANIFEST) || entries.stream().anyMatch(e -> e.name().equals(name))) {
        throw new IllegalArgumentException("entry " + name + " twice");
      }
      zip.putNextEntry(new ZipEntry(name));
      MessageDigest sha = sha256();
      long[] size = {0};
      OutputStream counted = new FilterOutputStream(new DigestOutputStream(zip, sha)) {
        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          out.write(b, off, len);
          size[0] += len;
        }

        @Override
        public void write(int b) throws IOException {
          out.write(b);
          size[0]++;
        }

        @Override
        public void close() {
          // the entry ends here, not the archive
        }
      };
      content.writeTo(counted);
      counted.flush();
      zip.closeEntry();
      entries.add(new Entry(name, size[0], HexFormat.of().formatHex(sha.digest())));
    }

    public List<Entry> entries() {
      return List.copyOf(entries);
    }

    /** Writes {@code manifest} (with {@code format} and {@code entries} added) and closes the archive. */
    public JsonObject finish(JsonObject manifest) throws IOException {
      JsonArray list = new JsonArray();
      for (Entry e : entries) {
        list.add(new JsonObject().put("name", e.name()).put("size", e.size()).put("sha256", e.sha256()));
      }
      JsonObject complete = manifest.copy().put("format", FORMAT).put("entries", list);
      zip.putNextEntry(new ZipEntry(MANIFEST));
      zip.write(complete.encodePrettily().getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
      zip.close();
      return complete;
    }
  }

  /**
   * Reads and checks a whole archive, handing each entry to {@code handler} as it is read; returns the manifest
   * once everything checked out. A handler must treat what it got as provisional until this returns: an archive
   * can still turn out truncated or altered further on.
   */
  public static JsonObject read(InputStream in, byte[] key, EntryHandler handler) throws IOException, BackupException {
    try {
      InputStream plain = SealedStream.open(in, key);
      Map<String, Entry> found = new LinkedHashMap<>();
      JsonObject manifest = null;
      ZipInputStream zip = new ZipInputStream(plain);
      ZipEntry entry;
      while ((entry = zip.getNextEntry()) != null) {
        String name = entry.getName();
        if (manifest != null) {
          throw BackupException.refused("entry " + name + " follows the manifest: not an archive this tool wrote");
        }
        if (name.equals(MANIFEST)) {
          try {
            manifest = new JsonObject(new String(zip.readAllBytes(), StandardCharsets.UTF_8));
          } catch (RuntimeException e) {
            throw BackupException.refused("the manifest is not JSON: not an archive this tool wrote");
          }
          continue;
        }
        if (found.containsKey(name)) {
          throw BackupException.refused("entry " + name + " appears twice");
        }
        MessageDigest sha = sha256();
        CountingInput counted = new CountingInput(new DigestInputStream(zip, sha));
        handler.entry(name, counted);
        counted.transferTo(OutputStream.nullOutputStream());
        found.put(name, new Entry(name, counted.count, HexFormat.of().formatHex(sha.digest())));
      }
      plain.transferTo(OutputStream.nullOutputStream()); // to the final chunk: proves nothing was cut off
      if (manifest == null) {
        throw BackupException.refused("the archive has no manifest");
      }
      if (manifest.getInteger("format", 0) != FORMAT) {
        throw BackupException.refused("manifest format " + manifest.getValue("format") + ": this build reads "
            + FORMAT);
      }
      check(manifest, found);
      return manifest;
    } catch (SealedStream.Refused e) {
      throw e.refusal;
    } catch (ZipException e) {
      throw BackupException.refused("the archive's content is not a valid ZIP stream (" + e.getMessage() + ")");
    }
  }

  private static void check(JsonObject manifest, Map<String, Entry> found) throws BackupException {
    Map<String, Entry> listed = new LinkedHashMap<>();
    for (Object item : manifest.getJsonArray("entries", new JsonArray())) {
      JsonObject e = (JsonObject) item;
      listed.put(e.getString("name"), new Entry(e.getString("name"), e.getLong("size", -1L), e.getString("sha256")));
    }
    for (Entry want : listed.values()) {
      Entry got = found.get(want.name());
      if (got == null) {
        throw BackupException.refused("entry " + want.name() + " is in the manifest but not in the archive");
      }
      if (got.size() != want.size() || !got.sha256().equals(want.sha256())) {
        throw BackupException.refused("entry " + want.name() + " does not match its checksum in the manifest ("
            + got.size() + " bytes, SHA-256 " + got.sha256() + "; the manifest says " + want.size() + " bytes, "
            + want.sha256() + ")");
      }
    }
    for (String name : found.keySet()) {
      if (!listed.containsKey(name)) {
        throw BackupException.refused("entry " + name + " is in the archive but not in its manifest");
      }
    }
  }

  /** The entries a manifest lists. */
  public static List<Entry> entries(JsonObject manifest) {
    List<Entry> list = new ArrayList<>();
    for (Object item : manifest.getJsonArray("entries", new JsonArray())) {
      JsonObject e = (JsonObject) item;
      list.add(new Entry(e.getString("name"), e.getLong("size"), e.getString("sha256")));
    }
    return list;
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Counts what the handler (and the drain after it) read; closing it does not close the archive. */
  private static final class CountingInput extends java.io.FilterInputStream {
    long count;

    CountingInput(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      // read, never skip: the digest must see every byte
      byte[] sink = new byte[(int) Math.min(n, 8192)];
      int read = n <= 0 ? 0 : read(sink, 0, sink.length);
      return Math.max(read, 0);
    }

    @Override
    public void close() {
      // the entry, not the archive
    }
  }
}
