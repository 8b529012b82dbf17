package dev.portcullis.gateway.audit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Names and finds the journal's segment files: {@code segment-00000001.jsonl}, or
 * {@code segment-00000001.jsonl.enc} when encrypted, numbered from 1 without gaps.
 */
final class SegmentFiles {

  private static final Pattern NAME = Pattern.compile("segment-(\\d{8})\\.jsonl(\\.enc)?");
  static final String HEAD = "journal.head";

  private SegmentFiles() {
  }

  /** One segment file on disk. */
  record Segment(long number, Path path, boolean encrypted) {
    String name() {
      return path.getFileName().toString();
    }
  }

  static Path path(Path directory, long number, boolean encrypted) {
    return directory.resolve(String.format("segment-%08d.jsonl%s", number, encrypted ? ".enc" : ""));
  }

  /**
   * Writes a small file so that it survives a power loss whole: a temporary file, synced, renamed over
   * the target, then the directory synced (the rename is only durable once the directory is).
   */
  static void replaceDurably(Path target, String content) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(tmp,
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE,
        java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
      java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
      channel.force(true);
    }
    Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    syncDirectory(target.getParent());
  }

  /** Makes created, renamed and deleted entries of a directory durable (Linux: fsync on the directory). */
  static void syncDirectory(Path directory) throws IOException {
    try (java.nio.channels.FileChannel dir = java.nio.channels.FileChannel.open(directory,
        java.nio.file.StandardOpenOption.READ)) {
      dir.force(true);
    }
  }

  /** Every segment in the directory, by number. */
  static List<Segment> list(Path directory) throws IOException {
    List<Segment> segments = new ArrayList<>();
    if (!Files.isDirectory(directory)) {
      return segments;
    }
    try (Stream<Path> files = Files.list(directory)) {
      for (Path file : files.toList()) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        if (m.matches()) {
          segments.add(new Segment(Long.parseLong(m.group(1)), file, m.group(2) != null));
        }
      }
    }
    segments.sort((a, b) -> Long.compare(a.number(), b.number()));
    return segments;
  }
}
