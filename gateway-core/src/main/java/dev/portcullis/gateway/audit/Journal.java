package dev.portcullis.gateway.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;

/**
 * The audit journal: append-only JSON Lines segments, hash-chained (see {@link ChainHash}), each
 * sealed segment ending in a signed checkpoint, with a signed head (see {@link JournalHead}).
 *
 * <p>One writer thread owns the files. Callers hand it encoded events ({@link #append}); it writes
 * whatever has queued up in one system call (group commit), completes the batch-durability appends
 * once written, and fsyncs at most {@code commitInterval} later — at once when an append asked for
 * {@code sync}, whose future completes only after the fsync. Futures complete on the caller's
 * context, one hop per context per batch.
 *
 * <p>Any I/O failure puts the journal into the failed state: pending and new appends fail (the
 * pipeline answers 503), listeners hear it (readiness turns down), and the writer tries to recover
 * every {@code recoveryInterval} by opening a fresh segment whose first record says what happened.
 */
public final class Journal {

  private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_BATCH = 4096;
  /** Wakes the writer at close. (Interrupting it instead would close its FileChannel mid-write.) */
  private static final Entry WAKE = new Entry(null, false, null);

  /** Journal settings. */
  public record Settings(Path directory, Duration commitInterval, long segmentMaxBytes, Duration segmentMaxAge,
      Duration retention, byte[] encryptionKey, Path signingKey, int queueCapacity, Duration recoveryInterval) {
  }

  /** Told when the journal fails or recovers, and after every write (shippers wake up on it). */
  public interface Listener {
    default void written(long lastSeq) {
    }

    default void availability(boolean available, String reason) {
    }
  }

  private final Settings settings;
  private final Clock clock;
  private final CheckpointKey key;
  private final LineCodec codec;
  private final EventIds ids;
  private final ArrayBlockingQueue<Entry> queue;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final Thread writer;
  /** Retention keeps a segment only while this says it is still needed (shippers behind it). */
  private volatile LongPredicate stillNeeded = segment -> false;
  private volatile boolean running = true;
  private volatile String failure;
  private volatile long writtenSeq;
  private volatile long writtenSegment;

  // writer thread only
  private FileChannel channel;
  private long segment;
  private long firstSegment;
  private long segmentFirstSeq;
  private long segmentBytes;
  private long segmentLines;
  private long segmentOpenedMillis;
  private boolean segmentSealed;
  private long seq;
  private String lastHash;
  private long syncedSeq;
  private long syncedSegment;
  private String syncedHash;
  private long nextSyncNanos;
  private long nextRecoveryNanos;
  private long nextRetentionMillis;
  private final MessageDigest digest = ChainHash.sha256();
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
  private long refusedWhileFailed;
  private String failedSince;

  private static final class Entry {
    final byte[] payload;
    final boolean sync;
    final Promise<Long> promise = Promise.promise();
    final Context context;
    long seq;

    Entry(byte[] payload, boolean sync, Context context) {
      this.payload = payload;
      this.sync = sync;
      this.context = context;
    }
  }

  private Journal(Settings settings, Clock clock, CheckpointKey key, EventIds ids) {
    this.settings = settings;
    this.clock = clock;
    this.key = key;
    this.ids = ids;
    this.codec = settings.encryptionKey() == null ? LineCodec.plain() : LineCodec.aesGcm(settings.encryptionKey());
    this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
    this.writer = new Thread(this::run, "portcullis-audit-writer");
    writer.setDaemon(true);
  }

  /**
   * Opens the journal (blocking: call from a worker or at start-up): loads or creates the signing
   * key, checks the last segment against the head, seals what the last run left open, and starts the
   * writer on a new segment.
   *
   * @throws IOException when the directory cannot be used or the journal's end does not match its head
   */
  public static Journal open(Settings settings, Clock clock, EventIds ids) throws IOException {
    Files.createDirectories(settings.directory());
    CheckpointKey key = CheckpointKey.loadOrCreate(settings.signingKey());
    Journal journal = new Journal(settings, clock, key, ids);
    journal.recoverAtStart();
    journal.writer.start();
    LOG.info("Audit journal in {} ({}), checkpoint key fingerprint SHA-256:{}", settings.directory(),
        settings.encryptionKey() == null ? "plain" : "AES-256-GCM", key.fingerprint());
    return journal;
  }

  public Path directory() {
    return settings.directory();
  }

  LineCodec codec() {
    return codec;
  }

  public boolean encrypted() {
    return codec.encrypted();
  }

  /** The SHA-256 fingerprint of the checkpoint key (what `audit verify` prints). */
  public String keyFingerprint() {
    return key.fingerprint();
  }

  public void addListener(Listener listener) {
    listeners.add(listener);
  }

  public void removeListener(Listener listener) {
    listeners.remove(listener);
  }

  /** Lets retention ask whether a sealed segment may be deleted yet. */
  public void retentionGuard(LongPredicate stillNeeded) {
    this.stillNeeded = stillNeeded;
  }

  /** Null when the journal is writable, else why not. */
  public String failure() {
    return failure;
  }

  /** The last record written to the file (possibly not yet synced), and its segment. */
  public long writtenSeq() {
    return writtenSeq;
  }

  public long writtenSegment() {
    return writtenSegment;
  }

  /**
   * Appends one event. {@code payload} is its JSON object (UTF-8, starting with '{' and holding at
   * least one field); the journal prefixes {@code seq} and {@code prev}.
   *
   * @param sync false: complete once written (synced within the commit interval); true: complete
   *             only after the fsync
   * @return the record's sequence number; a failed future when the journal cannot take it
   */
  public Future<Long> append(byte[] payload, boolean sync) {
    String failed = failure;
    if (failed != null) {
      return Future.failedFuture(new JournalUnavailableException(failed));
    }
    if (!running) {
      return Future.failedFuture(new JournalUnavailableException("the audit journal is closed"));
    }
    Entry entry = new Entry(payload, sync, Vertx.currentContext());
    if (!queue.offer(entry)) {
      return Future.failedFuture(new JournalUnavailableException("the audit journal's queue is full ("
          + settings.queueCapacity() + " events waiting)"));
    }
    return entry.promise.future();
  }

  /** Stops taking events, writes what is queued, seals the segment and stops the writer (blocking). */
  public void close() {
    running = false;
    queue.offer(WAKE);
    try {
      writer.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- start-up

  private void recoverAtStart() throws IOException {
    List<SegmentFiles.Segment> segments = SegmentFiles.list(settings.directory());
    JournalHead head = JournalHead.read(settings.directory());
    if (segments.isEmpty()) {
      if (head != null && head.seq() > 0) {
        throw new IOException("the audit journal in " + settings.directory() + " has a head (record " + head.seq()
            + ") but no segments: they were deleted. Run 'portcullis audit verify'; to start a new journal, "
            + "move the directory aside");
      }
      firstSegment = 1;
      lastHash = ChainHash.GENESIS;
      segment = 0;
      openSegment(1);
      return;
    }
    for (SegmentFiles.Segment s : segments) {
      if (s.encrypted() != codec.encrypted()) {
        throw new IOException("audit segment " + s.path() + " is " + (s.encrypted() ? "" : "not ")
            + "encrypted, but the configuration says encryption is " + (codec.encrypted() ? "on" : "off")
            + "; a journal cannot mix both — move the old segments aside or change the setting back");
      }
    }
    firstSegment = head != null ? head.first() : segments.get(0).number();
    SegmentFiles.Segment last = segments.get(segments.size() - 1);
    Tail tail = readTail(last);
    if (head != null && (head.segment() > last.number()
        || head.segment() == last.number() && head.seq() > tail.lastSeq)) {
      throw new IOException("the audit journal in " + settings.directory() + " ends at record " + tail.lastSeq
          + " (segment " + last.number() + "), but its signed head says record " + head.seq() + " (segment "
          + head.segment() + ") was written: records were removed. Run 'portcullis audit verify' to see "
          + "where; to start a new journal anyway, move the directory aside");
    }
    if (head != null && !head.verifies(key)) {
      throw new IOException("the audit journal head in " + settings.directory() + " does not verify with the "
          + "checkpoint key " + settings.signingKey() + "; run 'portcullis audit verify'");
    }
    seq = tail.lastSeq;
    lastHash = tail.lastHash;
    segment = last.number();
    if (tail.lines == 0) {
      segment--; // an empty segment (nothing was written to it): reuse its number
      if (tail.partialBytes > 0) {
        Files.write(last.path(), new byte[0]);
      }
      openSegment(segment + 1);
      syncedSeq = seq;
      syncedSegment = segment;
      syncedHash = lastHash;
      return;
    }
    if (tail.partialBytes > 0) {
      // A write cut short by a crash: those bytes were never acknowledged to anyone.
      try (FileChannel ch = FileChannel.open(last.path(), StandardOpenOption.WRITE)) {
        ch.truncate(tail.validBytes);
        ch.force(true);
      }
      LOG.warn("Audit segment {} ended with {} bytes of an incomplete record (a crash mid-write); removed",
          last.name(), tail.partialBytes);
    }
    if (!tail.sealed) {
      channel = FileChannel.open(last.path(), StandardOpenOption.WRITE, StandardOpenOption.APPEND);
      segmentFirstSeq = tail.firstSeq;
      segmentLines = tail.lines;
      segmentBytes = tail.validBytes;
      seal();
    }
    openSegment(segment + 1);
    syncedSeq = seq;
    syncedSegment = segment;
    syncedHash = lastHash;
  }

  private record Tail(long lastSeq, String lastHash, long firstSeq, long lines, long validBytes, long partialBytes,
      boolean sealed) {
  }

  private Tail readTail(SegmentFiles.Segment last) throws IOException {
    long lastSeq = 0;
    long firstSeq = 0;
    String hash = null;
    boolean sealed = false;
    long lines;
    try (SegmentReader reader = new SegmentReader(last.path(), 0, 0)) {
      SegmentReader.Line line;
      while ((line = reader.next()) != null) {
        String text;
        JsonNode record;
        try {
          text = codec.decode(line.text(), last.number(), line.index());
          record = JSON.readTree(text);
        } catch (IOException | IllegalArgumentException e) {
          throw new IOException("audit segment " + last.path() + " line " + (line.index() + 1)
              + " cannot be read (" + e.getMessage() + "); run 'portcullis audit verify'");
        }
        lastSeq = record.path("seq").asLong();
        if (firstSeq == 0) {
          firstSeq = lastSeq;
        }
        hash = ChainHash.of(text);
        sealed = "journal.checkpoint".equals(record.path("type").asText());
      }
      lines = reader.index();
      if (hash == null) {
        // empty segment: the chain continues from the segment before (or from the start)
        List<SegmentFiles.Segment> all = SegmentFiles.list(settings.directory());
        if (all.size() > 1) {
          Tail before = readTail(all.get(all.size() - 2));
          return new Tail(before.lastSeq, before.lastHash, 0, 0, 0, reader.pendingBytes(), false);
        }
        return new Tail(0, ChainHash.GENESIS, 0, 0, 0, reader.pendingBytes(), false);
      }
      return new Tail(lastSeq, hash, firstSeq, lines, reader.position(), reader.pendingBytes(), sealed);
    }
  }

  // ---- writer thread

  private void run() {
    List<Entry> batch = new ArrayList<>();
    nextRetentionMillis = clock.millis();
    while (running || !queue.isEmpty()) {
      try {
        Entry first = queue.poll(waitNanos(), TimeUnit.NANOSECONDS);
        batch.clear();
        if (first != null) {
          batch.add(first);
          queue.drainTo(batch, MAX_BATCH - 1);
          batch.remove(WAKE);
        }
        step(batch);
      } catch (InterruptedException e) {
        if (!running) {
          continue; // drain what is left, then stop
        }
      } catch (RuntimeException e) {
        LOG.error("Audit journal writer failed unexpectedly", e);
        fail("unexpected error: " + e, batch);
      }
    }
    try {
      if (failure == null && channel != null) {
        writeBatch(List.of());
        seal();
        writeHead();
      }
    } catch (IOException e) {
      LOG.error("Audit journal could not be sealed at shutdown: {}", e.toString());
    }
    closeChannel();
    List<Entry> late = new ArrayList<>();
    queue.drainTo(late);
    failAll(late, "the audit journal is closed");
  }

  private long waitNanos() {
    if (failure != null) {
      return Math.max(1, nextRecoveryNanos - System.nanoTime());
    }
    if (syncedSeq != seq) {
      return Math.max(1, nextSyncNanos - System.nanoTime());
    }
    return TimeUnit.MILLISECONDS.toNanos(200);
  }

  private void step(List<Entry> batch) {
    if (failure != null) {
      refusedWhileFailed += batch.size();
      failAll(batch, failure);
      if (System.nanoTime() >= nextRecoveryNanos) {
        tryRecover();
      }
      return;
    }
    long rollbackSeq = seq;
    String rollbackHash = lastHash;
    long rollbackLines = segmentLines;
    long rollbackBytes = segmentBytes;
    try {
      if (rotationDue()) {
        seal();
        openSegment(segment + 1);
        rollbackSeq = seq;
        rollbackHash = lastHash;
        rollbackLines = segmentLines;
        rollbackBytes = segmentBytes;
      }
      if (!batch.isEmpty()) {
        boolean wasClean = syncedSeq == seq;
        writeBatch(batch);
        if (wasClean) {
          nextSyncNanos = System.nanoTime() + settings.commitInterval().toNanos();
        }
      }
      // written and acknowledged below: a later failure must not roll these records back
      rollbackSeq = seq;
      rollbackHash = lastHash;
      rollbackLines = segmentLines;
      rollbackBytes = segmentBytes;
      boolean syncNow = syncedSeq != seq && (System.nanoTime() >= nextSyncNanos || anySync(batch));
      complete(batch, false);
      if (syncNow) {
        channel.force(false);
        syncedSeq = seq;
        syncedSegment = segment;
        syncedHash = lastHash;
        writeHead();
        complete(batch, true);
      }
      if (clock.millis() >= nextRetentionMillis) {
        nextRetentionMillis = clock.millis() + 60_000;
        applyRetention();
      }
    } catch (IOException e) {
      // nothing of this batch was acknowledged unless it was written before the failing fsync
      seq = rollbackSeq;
      lastHash = rollbackHash;
      segmentLines = rollbackLines;
      segmentBytes = rollbackBytes;
      fail(e.toString(), batch);
    }
  }

  private boolean rotationDue() {
    return segmentLines > 0 && (segmentBytes >= settings.segmentMaxBytes()
        || clock.millis() - segmentOpenedMillis >= settings.segmentMaxAge().toMillis());
  }

  private static boolean anySync(List<Entry> batch) {
    for (Entry entry : batch) {
      if (entry.sync) {
        return true;
      }
    }
    return false;
  }

  private void writeBatch(List<Entry> batch) throws IOException {
    buffer.clear();
    for (Entry entry : batch) {
      appendRecord(entry.payload);
      entry.seq = seq;
    }
    flushBuffer();
    writtenSeq = seq;
    writtenSegment = segment;
    if (!batch.isEmpty()) {
      for (Listener listener : listeners) {
        listener.written(seq);
      }
    }
  }

  /** Adds one record to the buffer (flushing it when full) and advances the chain. */
  private void appendRecord(byte[] payload) throws IOException {
    long next = seq + 1;
    byte[] prefix = ("{\"seq\":" + next + ",\"prev\":\"" + lastHash + "\",").getBytes(StandardCharsets.US_ASCII);
    byte[] record = new byte[prefix.length + payload.length - 1];
    System.arraycopy(prefix, 0, record, 0, prefix.length);
    System.arraycopy(payload, 1, record, prefix.length, payload.length - 1);
    byte[] line = codec.encode(record, segment, segmentLines);
    if (buffer.remaining() < line.length + 1) {
      flushBuffer();
      if (buffer.remaining() < line.length + 1) {
        writeFully(ByteBuffer.wrap(line));
        writeFully(ByteBuffer.wrap(new byte[] {'\n'}));
        advance(next, record, line.length + 1);
        return;
      }
    }
    buffer.put(line).put((byte) '\n');
    advance(next, record, line.length + 1);
  }

  private void advance(long next, byte[] record, int bytes) {
    seq = next;
    lastHash = HexFormat.of().formatHex(digest.digest(record));
    segmentLines++;
    segmentBytes += bytes;
    if (segmentFirstSeq == 0) {
      segmentFirstSeq = next;
    }
  }

  private void flushBuffer() throws IOException {
    buffer.flip();
    writeFully(buffer);
    buffer.clear();
  }

  private void writeFully(ByteBuffer bytes) throws IOException {
    while (bytes.hasRemaining()) {
      channel.write(bytes);
    }
  }

  /** Writes the signed checkpoint that ends this segment, syncs and closes it. */
  private void seal() throws IOException {
    long checkpointSeq = seq + 1;
    String sig = key.sign(ChainHash.checkpointSigned(segment, checkpointSeq, lastHash));
    byte[] payload = AuditEventWriter.checkpoint(ids.next(), clock.instant(), ids.instance(), segment,
        segmentFirstSeq, segmentLines + 1, sig);
    buffer.clear();
    appendRecord(payload);
    flushBuffer();
    channel.force(true);
    syncedSeq = seq;
    syncedSegment = segment;
    syncedHash = lastHash;
    writtenSeq = seq;
    writtenSegment = segment;
    segmentSealed = true;
    closeChannel();
  }

  private void openSegment(long number) throws IOException {
    Path path = SegmentFiles.path(settings.directory(), number, codec.encrypted());
    if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS) && Files.size(path) > 0) {
      throw new IOException("audit segment " + path + " already exists; refusing to append to it");
    }
    channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    segment = number;
    segmentFirstSeq = 0;
    segmentLines = 0;
    segmentBytes = 0;
    segmentOpenedMillis = clock.millis();
    segmentSealed = false;
  }

  private void writeHead() throws IOException {
    JournalHead.signed(key, firstSegment, syncedSegment, syncedSeq, syncedHash).write(settings.directory());
  }

  /** Completes the batch's sync (or batch-durability) entries, with one hop per context. */
  private void complete(List<Entry> batch, boolean sync) {
    Map<Context, List<Entry>> byContext = null;
    for (Entry entry : batch) {
      if (entry.sync != sync) {
        continue;
      }
      if (entry.context == null) {
        entry.promise.tryComplete(entry.seq);
        continue;
      }
      if (byContext == null) {
        byContext = new HashMap<>(4);
      }
      byContext.computeIfAbsent(entry.context, c -> new ArrayList<>()).add(entry);
    }
    if (byContext != null) {
      byContext.forEach((context, entries) -> context.runOnContext(v -> {
        for (Entry entry : entries) {
          entry.promise.tryComplete(entry.seq);
        }
      }));
    }
  }

  private void failAll(List<Entry> batch, String reason) {
    for (Entry entry : batch) {
      JournalUnavailableException error = new JournalUnavailableException(reason);
      if (entry.context == null) {
        entry.promise.tryFail(error);
      } else {
        entry.context.runOnContext(v -> entry.promise.tryFail(error));
      }
    }
  }

  private void fail(String reason, List<Entry> batch) {
    boolean first = failure == null;
    failure = "the audit journal cannot be written: " + reason;
    failAll(batch, failure);
    List<Entry> waiting = new ArrayList<>();
    queue.drainTo(waiting);
    refusedWhileFailed += waiting.size();
    failAll(waiting, failure);
    if (first) {
      failedSince = clock.instant().toString();
      refusedWhileFailed = batch.size() + waiting.size();
      LOG.error("Audit journal failed; requests that need audit are refused until it recovers: {}", reason);
      for (Listener listener : listeners) {
        listener.availability(false, failure);
      }
    }
    closeChannel();
    nextRecoveryNanos = System.nanoTime() + settings.recoveryInterval().toNanos();
  }

  /**
   * Opens a new segment after a failure. The failed one is left as it is — possibly without its
   * checkpoint — and the new segment's first record, chained to the last record written, says so.
   */
  private void tryRecover() {
    nextRecoveryNanos = System.nanoTime() + settings.recoveryInterval().toNanos();
    try {
      long number = segmentLines > 0 ? segment + 1 : segment;
      Path failedPath = SegmentFiles.path(settings.directory(), segment, codec.encrypted());
      if (segmentLines > 0 && Files.isRegularFile(failedPath) && Files.size(failedPath) > segmentBytes) {
        try (FileChannel ch = FileChannel.open(failedPath, StandardOpenOption.WRITE)) {
          ch.truncate(segmentBytes); // drop the part of a record that a failed write left behind
        }
      }
      long unsealed = segmentLines > 0 && !segmentSealed ? segment : 0;
      openSegment(number);
      buffer.clear();
      appendRecord(AuditEventWriter.recovered(ids.next(), clock.instant(), ids.instance(), failedSince,
          refusedWhileFailed, unsealed, failure));
      flushBuffer();
      channel.force(false);
      syncedSeq = seq;
      syncedSegment = segment;
      syncedHash = lastHash;
      writtenSeq = seq;
      writtenSegment = segment;
      writeHead();
      LOG.warn("Audit journal recovered in segment {} after refusing {} event(s)", segment, refusedWhileFailed);
      failure = null;
      for (Listener listener : listeners) {
        listener.availability(true, null);
        listener.written(seq);
      }
    } catch (IOException e) {
      closeChannel();
      LOG.debug("Audit journal still not writable: {}", e.toString());
    }
  }

  private void applyRetention() {
    if (settings.retention() == null) {
      return;
    }
    long horizon = clock.millis() - settings.retention().toMillis();
    try {
      for (SegmentFiles.Segment s : SegmentFiles.list(settings.directory())) {
        if (s.number() >= segment || Files.getLastModifiedTime(s.path()).toMillis() > horizon) {
          break;
        }
        if (stillNeeded.test(s.number())) {
          LOG.warn("Audit segment {} is past retention but a shipper has not delivered it yet; kept", s.name());
          break;
        }
        Files.delete(s.path());
        firstSegment = s.number() + 1;
        writeHead();
        LOG.info("Audit segment {} deleted (older than the retention of {})", s.name(), settings.retention());
      }
    } catch (IOException e) {
      LOG.warn("Audit retention could not delete old segments: {}", e.toString());
    }
  }

  private void closeChannel() {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        LOG.debug("closing audit segment: {}", e.toString());
      }
      channel = null;
    }
  }

  /** Raised when an event cannot be journaled: the request that needed it is refused. */
  public static final class JournalUnavailableException extends RuntimeException {
    public JournalUnavailableException(String message) {
      super(message, null, false, false);
    }
  }
}
