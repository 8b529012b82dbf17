package dev.portcullis.gateway.audit;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads one segment's lines from a byte position, keeping count of line indexes and byte offsets so
 * that a reader can stop anywhere and resume exactly there. A last line without its line break (a
 * write cut short by a crash, or one still being written) is not returned.
 */
final class SegmentReader implements Closeable {

  /** One complete line: its index in the segment, its text on disk, and the offset after its line break. */
  record Line(long index, String text, long end) {
  }

  private final FileChannel channel;
  private final InputStream in;
  private final ByteArrayOutputStream current = new ByteArrayOutputStream(512);
  private long position;
  private long index;

  SegmentReader(Path file, long position, long index) throws IOException {
    this.channel = FileChannel.open(file, StandardOpenOption.READ);
    channel.position(position);
    this.in = new java.io.BufferedInputStream(Channels.newInputStream(channel), 1 << 16);
    this.position = position;
    this.index = index;
  }

  /** The next complete line, or null at the end of what is on disk (a partial line is left unread). */
  Line next() throws IOException {
    current.reset();
    long start = position;
    while (true) {
      int b = in.read();
      if (b < 0) {
        // partial line: rewind logically; the caller reopens at position() to see it completed
        position = start;
        pendingBytes = current.size();
        return null;
      }
      if (b == '\n') {
        position = start + current.size() + 1;
        pendingBytes = 0;
        return new Line(index++, current.toString(StandardCharsets.UTF_8), position);
      }
      current.write(b);
    }
  }

  private long pendingBytes;

  /** Bytes after the last complete line that make up an incomplete line (after next() returned null). */
  long pendingBytes() {
    return pendingBytes;
  }

  /** The offset after the last complete line returned. */
  long position() {
    return position;
  }

  /** The index the next complete line will have. */
  long index() {
    return index;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
