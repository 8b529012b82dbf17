package dev.portcullis.gateway.backup;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The encryption layer of a backup archive: AES-256-GCM over the archive's bytes in chunks.
 *
 * <pre>
 * header  = "PCLBAK" | version (u16, 1) | key fingerprint (8 bytes) | salt (32 bytes) | chunk size (u32)
 * frame   = last flag (1 byte: 0 or 1) | ciphertext length (u32) | ciphertext (plaintext + 16-byte tag)
 * archive = header | frame* (exactly one frame, the final one, has the flag 1)
 * </pre>
 *
 * Each archive seals with its own key, HKDF-SHA256 of the backup key with the header's random salt, so the
 * nonce can simply be the chunk's index (never repeated under one key). Each chunk's associated data is the
 * whole header, the chunk's index and its last flag: a header edit, a chunk moved, dropped or repeated, and an
 * archive cut off after any chunk (no final chunk) all fail authentication or are reported as truncated.
 *
 * <p>Why our own framing: one GCM operation over the whole archive would be authenticated only at its very
 * end, and the JDK's {@code CipherInputStream} with GCM either buffers the entire plaintext or hands out
 * bytes before checking the tag; BouncyCastle has no chunked-AEAD stream of this kind either. With chunks,
 * no plaintext leaves this class before the tag of its chunk has been checked, memory stays at one chunk,
 * and truncation is detected. GCM cannot tell a wrong key from altered bytes, so neither can we: both get
 * one message (the fingerprint in the header at least says which key sealed the archive).
 */
final class SealedStream {

  static final int DEFAULT_CHUNK = 1 << 20;
  private static final byte[] MAGIC = "PCLBAK".getBytes(StandardCharsets.US_ASCII);
  private static final int VERSION = 1;
  private static final int HEADER = MAGIC.length + 2 + 8 + 32 + 4;
  private static final int TAG = 16;
  private static final int MAX_CHUNK = 16 << 20;

  private SealedStream() {
  }

  /** Message for every authentication failure: GCM cannot tell the two apart. */
  static String alteredOrWrongKey(String keyFingerprint, String archiveFingerprint) {
    return "the archive was altered or the key is wrong (AES-GCM cannot tell which): nothing was restored"
        + (archiveFingerprint.equals(keyFingerprint) ? ""
        : "; the archive says it was sealed with key " + archiveFingerprint + ", the key given is " + keyFingerprint);
  }

  /** An output stream that seals what is written to it; {@link OutputStream#close()} writes the final chunk. */
  static OutputStream seal(OutputStream out, byte[] backupKey, int chunkSize) throws IOException {
    byte[] salt = new byte[32];
    new SecureRandom().nextBytes(salt);
    ByteBuffer header = ByteBuffer.allocate(HEADER);
    header.put(MAGIC).putShort((short) VERSION).put(hexBytes(BackupKey.fingerprint(backupKey))).put(salt)
        .putInt(chunkSize);
    byte[] headerBytes = header.array();
    out.write(headerBytes);
    return new Sealing(out, headerBytes, archiveKey(backupKey, salt), chunkSize);
  }

  /**
   * An input stream of the plaintext, each chunk released only after its tag was checked; reaching the end
   * means the final chunk was seen and nothing follows it.
   *
   * @throws BackupException refused: not an archive, an unknown format version
   */
  static InputStream open(InputStream in, byte[] backupKey) throws IOException, BackupException {
    byte[] header = in.readNBytes(HEADER);
    if (header.length == 0) {
      throw BackupException.refused("the file is empty: not a backup archive");
    }
    if (header.length < MAGIC.length + 2 || !Arrays.equals(header, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw BackupException.refused("not a Portcullis backup archive (it does not start with PCLBAK)");
    }
    ByteBuffer h = ByteBuffer.wrap(header);
    h.position(MAGIC.length);
    int version = Short.toUnsignedInt(h.getShort());
    if (version != VERSION) {
      throw BackupException.refused("archive format version " + version + ": this build reads version " + VERSION
          + " only (a newer portcullis wrote it)");
    }
    if (header.length < HEADER) {
      throw BackupException.refused("the archive is truncated: it ends inside its header");
    }
    byte[] fingerprint = new byte[8];
    h.get(fingerprint);
    byte[] salt = new byte[32];
    h.get(salt);
    int chunkSize = h.getInt();
    String archiveFingerprint = java.util.HexFormat.of().formatHex(fingerprint);
    String message = alteredOrWrongKey(BackupKey.fingerprint(backupKey), archiveFingerprint);
    if (chunkSize < 1 || chunkSize > MAX_CHUNK) {
      throw BackupException.refused(message);
    }
    return new Opening(new DataInputStream(in), header, archiveKey(backupKey, salt), chunkSize, message);
  }

  /** HKDF-SHA256 (RFC 5869) of the backup key with the archive's salt: one 32-byte output block. */
  private static SecretKeySpec archiveKey(byte[] backupKey, byte[] salt) {
    try {
      Mac extract = Mac.getInstance("HmacSHA256");
      extract.init(new SecretKeySpec(salt, "HmacSHA256"));
      byte[] prk = extract.doFinal(backupKey);
      Mac expand = Mac.getInstance("HmacSHA256");
      expand.init(new SecretKeySpec(prk, "HmacSHA256"));
      expand.update("portcullis-backup-archive-v1".getBytes(StandardCharsets.US_ASCII));
      expand.update((byte) 1);
      return new SecretKeySpec(expand.doFinal(), "AES");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] nonce(long index) {
    return ByteBuffer.allocate(12).putInt(0).putLong(index).array();
  }

  private static byte[] aad(byte[] header, long index, boolean last) {
    return ByteBuffer.allocate(header.length + 9).put(header).putLong(index).put((byte) (last ? 1 : 0)).array();
  }

  private static byte[] hexBytes(String hex) {
    return java.util.HexFormat.of().parseHex(hex);
  }

  private static Cipher cipher(int mode, SecretKeySpec key, byte[] header, long index, boolean last) {
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(mode, key, new GCMParameterSpec(TAG * 8, nonce(index)));
      cipher.updateAAD(aad(header, index, last));
      return cipher;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Holds back one chunk so that the last one can be flagged when the stream is closed. */
  private static final class Sealing extends OutputStream {
    private final OutputStream out;
    private final byte[] header;
    private final SecretKeySpec key;
    private final byte[] buffer;
    private int filled;
    private long index;
    private boolean closed;

    Sealing(OutputStream out, byte[] header, SecretKeySpec key, int chunkSize) {
      this.out = out;
      this.header = header;
      this.key = key;
      this.buffer = new byte[chunkSize];
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        if (filled == buffer.length) {
          emit(false); // more is coming, so this chunk is not the last
        }
        int n = Math.min(len, buffer.length - filled);
        System.arraycopy(b, off, buffer, filled, n);
        filled += n;
        off += n;
        len -= n;
      }
    }

    private void emit(boolean last) throws IOException {
      try {
        byte[] sealed = cipher(Cipher.ENCRYPT_MODE, key, header, index, last).doFinal(buffer, 0, filled);
        ByteBuffer frame = ByteBuffer.allocate(5);
        frame.put((byte) (last ? 1 : 0)).putInt(sealed.length);
        out.write(frame.array());
        out.write(sealed);
      } catch (GeneralSecurityException e) {
        throw new IOException(e);
      }
      index++;
      filled = 0;
    }

    @Override
    public void close() throws IOException {
      if (!closed) {
        closed = true;
        emit(true);
        out.close();
      }
    }
  }

  private static final class Opening extends InputStream {
    private final DataInputStream in;
    private final byte[] header;
    private final SecretKeySpec key;
    private final int chunkSize;
    private final String alteredMessage;
    private byte[] plain = new byte[0];
    private int position;
    private long index;
    private boolean sawLast;

    Opening(DataInputStream in, byte[] header, SecretKeySpec key, int chunkSize, String alteredMessage) {
      this.in = in;
      this.header = header;
      this.key = key;
      this.chunkSize = chunkSize;
      this.alteredMessage = alteredMessage;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      while (position == plain.length) {
        if (sawLast) {
          return -1;
        }
        next();
      }
      int n = Math.min(len, plain.length - position);
      System.arraycopy(plain, position, b, off, n);
      position += n;
      return n;
    }

    private void next() throws IOException {
      int flag;
      int length;
      try {
        flag = in.read();
        if (flag < 0) {
          throw new Refused(BackupException.refused("the archive is truncated: it ends after chunk " + index
              + " without its final chunk"));
        }
        length = in.readInt();
      } catch (EOFException e) {
        throw new Refused(BackupException.refused("the archive is truncated inside chunk " + index));
      }
      if (flag > 1 || length < TAG || length > chunkSize + TAG) {
        throw new Refused(BackupException.refused(alteredMessage));
      }
      byte[] sealed = in.readNBytes(length);
      if (sealed.length < length) {
        throw new Refused(BackupException.refused("the archive is truncated inside chunk " + index));
      }
      try {
        plain = cipher(Cipher.DECRYPT_MODE, key, header, index, flag == 1).doFinal(sealed);
      } catch (AEADBadTagException e) {
        throw new Refused(BackupException.refused(alteredMessage));
      } catch (GeneralSecurityException e) {
        throw new IOException(e);
      }
      position = 0;
      index++;
      if (flag == 1) {
        sawLast = true;
        if (in.read() >= 0) {
          throw new Refused(BackupException.refused("the archive has bytes after its final chunk: it was altered"));
        }
      }
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  /** Carries a refusal through the {@link InputStream} interface; unwrapped by {@link BackupArchive}. */
  static final class Refused extends IOException {
    final BackupException refusal;

    Refused(BackupException refusal) {
      super(refusal.getMessage(), null);
      this.refusal = refusal;
    }
  }
}
