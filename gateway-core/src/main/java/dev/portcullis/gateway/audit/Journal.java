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
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongPredicate;

/**
 * The audit journal: append-only JSON Lines segments, hash-chained (see {@link ChainHash}), each
 * sealed segment ending in a signed checkpoint, with a signed head (see {@link JournalHead}).
 *
 * <p>Two threads own the files. The <b>writer</b> takes whatever events have been submitted since its
 * last round and writes them in one system call (group commit), then marks their tickets written.
 * The <b>syncer</b> fsyncs what has been written at most {@code commitInterval} later — at once when a
 * {@code sync} ticket waits — and then marks sync tickets done and rewrites the signed head. An fsync
 * therefore never holds up writing: on this kind of storage it can take milliseconds.
 *
 * <p>Submitting costs no system call: while events keep coming the writer takes them in rounds of a
 * millisecond, and it is woken only when it has gone idle. A caller that waits for its ticket
 * ({@link Ticket#whenDone()}) is told on its own context. A caller that can check later
 * ({@link Ticket#done()}) — the pipeline checks when the upstream's response arrives — usually finds
 * its ticket done and never waits at all.
 *
 * <p>Any I/O failure puts the journal into the failed state: tickets not yet written are dropped
 * (their callers refuse the request), listeners hear it (readiness turns down), and the writer tries
 * to recover every {@code recoveryInterval} by opening a fresh segment whose first record says what
 * happened.
 */
public final class Journal {

  private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * While events keep coming, the writer looks for more every millisecond: rounds of a few dozen
   * events cost far less than a system call and a wake-up per event. After {@link #ROUNDS_BEFORE_SLEEP} empty rounds it sleeps until
   * the next submission.
   */
  private static final long ROUND_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final int ROUNDS_BEFORE_SLEEP = 20;
  private static final long HEAD_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

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

  /** What has been written (or synced): the last record, its segment, its hash, and the open channel. */
  private record Position(long seq, long segment, String hash, FileChannel channel) {
  }

  /**
   * One submitted event. Done once written (a {@code sync} ticket: once on disk), or dropped when the
   * journal could not take it; the state changes once.
   */
  public static final class Ticket {
    private static final int PENDING = 0;
    private static final int WRITTEN = 1;
    private static final int DONE = 2;
    private static final int DROPPED = 3;

    final byte[] payload;
    final boolean sync;
    private final Journal journal;
    private volatile int state;
    private volatile long seq;
    private volatile String failure;
    private volatile Waiter waiter;

    private record Waiter(Promise<Long> promise, Context context) {
    }

    private Ticket(Journal journal, byte[] payload, boolean sync) {
      this.journal = journal;
      this.payload = payload;
      this.sync = sync;
    }

    private static Ticket dropped(String failure) {
      Ticket ticket = new Ticket(null, null, false);
      ticket.failure = failure;
      ticket.state = DROPPED;
      return ticket;
    }

    /** Whether the event is in the journal (on disk, for a sync ticket). */
    public boolean done() {
      return state == DONE;
    }

    /** Why the event was not journaled, or null while it is pending or once it is done. */
    public String failure() {
      return state == DROPPED ? failure : null;
    }

    /** Whether this event must be on disk (not only written) before it counts as done. */
    public boolean syncRequested() {
      return sync;
    }

    /** The record's sequence number once written. */
    public long seq() {
      return seq;
    }

    /**
     * Completes on the caller's context once done (with the sequence number), or fails with
     * {@link JournalUnavailableException} when dropped.
     */
    public Future<Long> whenDone() {
      int current = state;
      if (current == DONE) {
        return Future.succeededFuture(seq);
      }
      if (current == DROPPED) {
        return Future.failedFuture(new JournalUnavailableException(failure));
      }
      Promise<Long> promise = Promise.promise();
      Waiter w = new Waiter(promise, Vertx.currentContext());
      waiter = w;
      // the writer may have settled the ticket between the first look and publishing the waiter
      int now = state;
      if (now == DONE || now == DROPPED) {
        settle(w);
      }
      journal.wake();
      return promise.future();
    }

    private void finish(int finalState) {
      state = finalState;
      Waiter w = waiter;
      if (w != null) {
        settle(w);
      }
    }

    private void settle(Waiter w) {
      Runnable complete = () -> {
        if (state == DONE) {
          w.promise().tryComplete(seq);
        } else {
          w.promise().tryFail(new JournalUnavailableException(failure));
        }
      };
      if (w.context() == null) {
        complete.run();
      } else {
        w.context().runOnContext(v -> complete.run());
      }
    }
  }

  private final Settings settings;
  private final Clock clock;
  private final CheckpointKey key;
  private final LineCodec codec;
  private final EventIds ids;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final Thread writer;
  private final Thread syncer;
  private final Object queueLock = new Object();
  private ArrayDeque<Ticket> pending = new ArrayDeque<>();
  /** Set under {@link #queueLock} before the writer's last drain: nothing can be left behind after it. */
  private boolean closed;
  private final ConcurrentLinkedQueue<Ticket> awaitingSync = new ConcurrentLinkedQueue<>();
  private final Object headLock = new Object();
  private long headSeq = -1;
  /** Retention keeps a segment only while this says it is still needed (shippers behind it). */
  private volatile LongPredicate stillNeeded = segment -> false;
  private volatile boolean running = true;
  private volatile boolean syncing = true;
  private volatile boolean writerSleeping;
  private volatile boolean syncWanted;
  private volatile String failure;
  private volatile String syncFailure;
  private volatile Position written;
  private volatile Position synced;
  private volatile long firstSegment;
  /** The last checkpoint written and forced: everything up to it is on disk. */
  private volatile long sealedSeq;

  // writer thread only
  private FileChannel channel;
  private long segment;
  private long segmentFirstSeq;
  private long segmentBytes;
  private long segmentLines;
  private long segmentOpenedMillis;
  private boolean segmentSealed;
  private long seq;
  private String lastHash;
  private long nextRecoveryNanos;
  private long nextRetentionMillis;
  private final MessageDigest digest = ChainHash.sha256();
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
  private long refusedWhileFailed;
  private String failedSince;

  private Journal(Settings settings, Clock clock, CheckpointKey key, EventIds ids) {
    this.settings = settings;
    this.clock = clock;
    this.key = key;
    this.ids = ids;
    this.codec = settings.encryptionKey() == null ? LineCodec.plain() : LineCodec.aesGcm(settings.encryptionKey());
    this.writer = new Thread(this::runWriter, "portcullis-audit-writer");
    this.syncer = new Thread(this::runSyncer, "portcullis-audit-sync");
    writer.setDaemon(true);
    syncer.setDaemon(true);
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
    journal.writeHead(journal.synced);
    journal.writer.start();
    journal.syncer.start();
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

  /** The last record written to the file (possibly not yet synced). */
  public long writtenSeq() {
    return written.seq();
  }

  /** The last record known to be on disk (what shippers may send: a power loss cannot take it back). */
  public long syncedSeq() {
    return synced.seq();
  }

  public long writtenSegment() {
    return written.segment();
  }

  /**
   * Submits one event. {@code payload} is its JSON object (UTF-8, starting with '{' and holding at
   * least one field); the journal prefixes {@code seq} and {@code prev}. Never blocks.
   *
   * @param sync false: done once written (synced within the commit interval); true: done once synced
   * @return the event's ticket, already dropped when the journal cannot take it
   */
  public Ticket submit(byte[] payload, boolean sync) {
    String failed = failure;
    if (failed != null) {
      return Ticket.dropped(failed);
    }
    Ticket ticket = new Ticket(this, payload, sync);
    synchronized (queueLock) {
      if (closed) {
        return Ticket.dropped("the audit journal is closed");
      }
      if (pending.size() >= settings.queueCapacity()) {
        return Ticket.dropped("the audit journal's queue is full (" + settings.queueCapacity() + " events waiting)");
      }
      pending.add(ticket);
    }
    if (writerSleeping) {
      LockSupport.unpark(writer);
    }
    return ticket;
  }

  /** Submits one event and completes when it is done (see {@link #submit}). */
  public Future<Long> append(byte[] payload, boolean sync) {
    return submit(payload, sync).whenDone();
  }

  /**
   * A caller waits for a ticket: make sure the writer is not asleep. A writer in its round gets to the
   * ticket within a millisecond; waking it for every waiter would cost a system call each.
   */
  private void wake() {
    if (writerSleeping) {
      LockSupport.unpark(writer);
    }
  }

  /** Stops taking events, writes what is queued, seals the segment and stops both threads (blocking). */
  public void close() {
    running = false;
    LockSupport.unpark(writer);
    try {
      writer.join(TimeUnit.SECONDS.toMillis(10));
      syncing = false;
      LockSupport.unpark(syncer);
      syncer.join(TimeUnit.SECONDS.toMillis(10));
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
      publishWritten();
      synced = written;
      return;
    }
    for (SegmentFiles.Segment s : segments) {
      if (s.encrypted() != codec.encrypted()) {
        throw new IOException("audit segment " + s.path() + " is " + (s.encrypted() ? "" : "not ")
            + "encrypted, but the configuration says encryption is " + (codec.encrypted() ? "on" : "off")
            + "; a journal cannot mix both — move the old segments aside or change the setting back");
      }
    }
    if (head == null && segments.size() == 1 && Files.size(segments.get(0).path()) == 0) {
      Files.delete(segments.get(0).path()); // a first start cut short before anything was written
      recoverAtStart();
      return;
    }
    if (head == null) {
      // without its head, records cut off the end (or whole segments at either end) cannot be told
      // from a journal that ended there; signing a new head over it would bless the cut
      throw new IOException("the audit journal in " + settings.directory() + " has segments but no "
          + SegmentFiles.HEAD + ": it was deleted, so its end cannot be checked. Run 'portcullis audit verify'; "
          + "to start a new journal anyway, move the directory aside");
    }
    if (!head.verifies(key)) {
      throw new IOException("the audit journal head in " + settings.directory() + " does not verify with the "
          + "checkpoint key " + settings.signingKey() + "; run 'portcullis audit verify'");
    }
    firstSegment = head.first();
    SegmentFiles.Segment last = segments.get(segments.size() - 1);
    Tail tail = readTail(last);
    if ((head.segment() > last.number()
        || head.segment() == last.number() && head.seq() > tail.lastSeq)) {
      throw new IOException("the audit journal in " + settings.directory() + " ends at record " + tail.lastSeq
          + " (segment " + last.number() + "), but its signed head says record " + head.seq() + " (segment "
          + head.segment() + ") was written: records were removed. Run 'portcullis audit verify' to see "
          + "where; to start a new journal anyway, move the directory aside");
    }
    if (head.seq() > 0) {
      // usually the head names the last record (read just now); else it lies in the head's segment, or
      // in the one before it when the head was written for a segment opened but not yet written to
      String atHead = head.seq() == tail.lastSeq ? tail.lastHash
          : hashOf(SegmentFiles.path(settings.directory(), head.segment(), codec.encrypted()), head.seq());
      if (atHead == null && head.segment() > 1) {
        atHead = hashOf(SegmentFiles.path(settings.directory(), head.segment() - 1, codec.encrypted()), head.seq());
      }
      if (!head.hash().equals(atHead)) {
        throw new IOException("the audit journal in " + settings.directory() + " does not hold the record its signed "
            + "head names (record " + head.seq() + " in segment " + head.segment() + "): it was changed or "
            + "removed. Run 'portcullis audit verify'; to start a new journal anyway, move the directory aside");
      }
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
      publishWritten();
      synced = written;
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
    publishWritten();
    synced = written;
  }

  /** The hash of record {@code seq} in a segment file, or null when it is not there. */
  private String hashOf(Path file, long wanted) throws IOException {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    long number = Long.parseLong(file.getFileName().toString().substring(8, 16));
    try (SegmentReader reader = new SegmentReader(file, 0, 0)) {
      SegmentReader.Line line;
      while ((line = reader.next()) != null) {
        try {
          String text = codec.decode(line.text(), number, line.index());
          if (JSON.readTree(text).path("seq").asLong() == wanted) {
            return ChainHash.of(text);
          }
        } catch (IllegalArgumentException e) {
          return null;
        }
      }
    }
    return null;
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

  private void runWriter() {
    nextRetentionMillis = clock.millis();
    int idle = 0;
    while (true) {
      ArrayDeque<Ticket> batch;
      synchronized (queueLock) {
        batch = pending;
        if (!batch.isEmpty()) {
          pending = new ArrayDeque<>(Math.max(16, batch.size()));
        }
      }
      if (batch.isEmpty()) {
        if (!running) {
          synchronized (queueLock) {
            if (pending.isEmpty()) {
              closed = true;
              break;
            }
          }
          continue;
        }
        idle++;
        if (failure != null) {
          tryRecoverWhenDue();
        } else if (syncFailure != null) {
          fail(syncFailure, batch);
        }
        housekeeping();
        if (idle < ROUNDS_BEFORE_SLEEP) {
          LockSupport.parkNanos(ROUND_NANOS);
        } else {
          writerSleeping = true;
          if (pendingIsEmpty() && running) {
            LockSupport.parkNanos(failure != null ? settings.recoveryInterval().toNanos()
                : TimeUnit.MILLISECONDS.toNanos(200));
          }
          writerSleeping = false;
        }
        continue;
      }
      idle = 0;
      step(batch);
      housekeeping();
      LockSupport.parkNanos(ROUND_NANOS); // let the next round gather (a waiting caller unparks at once)
    }
    try {
      if (failure == null && channel != null) {
        seal();
        synced = written;
        writeHead(synced);
      }
    } catch (IOException e) {
      LOG.error("Audit journal could not be sealed at shutdown: {}", e.toString());
    }
    closeChannel();
    ArrayDeque<Ticket> late;
    synchronized (queueLock) {
      closed = true;
      late = pending;
      pending = new ArrayDeque<>();
    }
    drop(late, "the audit journal is closed");
  }

  private boolean pendingIsEmpty() {
    synchronized (queueLock) {
      return pending.isEmpty();
    }
  }

  private void step(ArrayDeque<Ticket> batch) {
    if (failure == null && syncFailure != null) {
      fail(syncFailure, batch);
      return;
    }
    if (failure != null) {
      refusedWhileFailed += batch.size();
      drop(batch, failure);
      tryRecoverWhenDue();
      return;
    }
    if (rotationDue() && !rotate(batch)) {
      return;
    }
    long rollbackSeq = seq;
    String rollbackHash = lastHash;
    long rollbackLines = segmentLines;
    long rollbackBytes = segmentBytes;
    try {
      buffer.clear();
      for (Ticket ticket : batch) {
        appendRecord(ticket.payload);
        ticket.seq = seq;
      }
      flushBuffer();
    } catch (IOException e) {
      seq = rollbackSeq;
      lastHash = rollbackHash;
      segmentLines = rollbackLines;
      segmentBytes = rollbackBytes;
      fail(e.toString(), batch);
      return;
    }
    publishWritten();
    boolean anySync = false;
    for (Ticket ticket : batch) {
      if (ticket.sync) {
        ticket.state = Ticket.WRITTEN;
        awaitingSync.add(ticket);
        anySync = true;
      } else {
        ticket.finish(Ticket.DONE);
      }
    }
    if (anySync) {
      syncWanted = true;
      LockSupport.unpark(syncer);
    }
    for (Listener listener : listeners) {
      listener.written(seq);
    }
  }

  private void publishWritten() {
    written = new Position(seq, segment, lastHash, channel);
  }

  private void housekeeping() {
    if (failure == null && clock.millis() >= nextRetentionMillis) {
      nextRetentionMillis = clock.millis() + 60_000;
      applyRetention();
    }
    if (failure == null && rotationDue()) {
      rotate(new ArrayDeque<>());
    }
  }

  /**
   * Seals this segment and opens the next. On failure the state is what is on disk: before the
   * checkpoint when sealing failed, after it when only opening the next segment did. Returns whether
   * it worked (else the journal has failed and {@code batch} was dropped).
   */
  private boolean rotate(ArrayDeque<Ticket> batch) {
    long rollbackSeq = seq;
    String rollbackHash = lastHash;
    long rollbackLines = segmentLines;
    long rollbackBytes = segmentBytes;
    try {
      seal();
    } catch (IOException e) {
      seq = rollbackSeq;
      lastHash = rollbackHash;
      segmentLines = rollbackLines;
      segmentBytes = rollbackBytes;
      segmentSealed = false;
      fail(e.toString(), batch);
      return false;
    }
    try {
      openSegment(segment + 1);
      publishWritten();
      return true;
    } catch (IOException e) {
      fail(e.toString(), batch);
      return false;
    }
  }

  private boolean rotationDue() {
    return segmentLines > 0 && (segmentBytes >= settings.segmentMaxBytes()
        || clock.millis() - segmentOpenedMillis >= settings.segmentMaxAge().toMillis());
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
    publishWritten();
    sealedSeq = seq;
    segmentSealed = true;
    closeChannel();
    synced = written;
    writeHead(written);
  }

  private void openSegment(long number) throws IOException {
    Path path = SegmentFiles.path(settings.directory(), number, codec.encrypted());
    if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS) && Files.size(path) > 0) {
      throw new IOException("audit segment " + path + " already exists; refusing to append to it");
    }
    channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    SegmentFiles.syncDirectory(settings.directory()); // the new file itself must survive a power loss
    segment = number;
    segmentFirstSeq = 0;
    segmentLines = 0;
    segmentBytes = 0;
    segmentOpenedMillis = clock.millis();
    segmentSealed = false;
  }

  /** Rewrites the signed head; never replaces a newer head with an older one. */
  private void writeHead(Position at) throws IOException {
    synchronized (headLock) {
      if (at.seq() < headSeq) {
        return;
      }
      JournalHead.signed(key, firstSegment, at.segment(), at.seq(), at.hash()).write(settings.directory());
      headSeq = at.seq();
    }
  }

  private void drop(Iterable<Ticket> tickets, String reason) {
    for (Ticket ticket : tickets) {
      ticket.failure = reason;
      ticket.finish(Ticket.DROPPED);
    }
  }

  private void fail(String reason, ArrayDeque<Ticket> batch) {
    boolean first = failure == null;
    failure = "the audit journal cannot be written: " + reason;
    syncFailure = null;
    if (first) {
      // readiness turns down before the first caller hears of the failure
      failedSince = clock.instant().toString();
      refusedWhileFailed = 0;
      LOG.error("Audit journal failed; requests that need audit are refused until it recovers: {}", reason);
      for (Listener listener : listeners) {
        listener.availability(false, failure);
      }
    }
    drop(batch, failure);
    ArrayDeque<Ticket> waiting;
    synchronized (queueLock) {
      waiting = pending;
      pending = new ArrayDeque<>();
    }
    refusedWhileFailed += batch.size() + waiting.size();
    drop(waiting, failure);
    LockSupport.unpark(syncer); // it drops the sync tickets still waiting
    closeChannel();
    nextRecoveryNanos = System.nanoTime() + settings.recoveryInterval().toNanos();
  }

  private void tryRecoverWhenDue() {
    if (System.nanoTime() >= nextRecoveryNanos) {
      tryRecover();
    }
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
      if (Files.isRegularFile(failedPath, java.nio.file.LinkOption.NOFOLLOW_LINKS)
          && Files.size(failedPath) > segmentBytes) {
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
      publishWritten();
      synced = written;
      writeHead(synced);
      LOG.warn("Audit journal recovered in segment {} after refusing {} event(s)", segment, refusedWhileFailed);
      syncFailure = null;
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
        writeHead(synced);
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

  // ---- syncer thread

  /**
   * Syncs what the writer has written: every {@code commitInterval}, or at once when a sync ticket
   * waits; then marks the sync tickets done and rewrites the head. A channel the writer closed in
   * the meantime was closed by sealing its segment, which syncs it first.
   */
  private void runSyncer() {
    long intervalNanos = settings.commitInterval().toNanos();
    long lastSync = System.nanoTime();
    long lastHead = lastSync;
    while (syncing || !awaitingSync.isEmpty()) {
      if (failure != null) {
        drop(drainAwaitingSync(), failure);
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        continue;
      }
      Position target = written;
      Position done = synced;
      long now = System.nanoTime();
      if (target.seq() <= done.seq()) {
        // nothing new to sync: settle what a seal synced, and let the head catch up once traffic stops
        settle(done);
        if (headBehind(done.seq()) && (now - lastHead >= HEAD_INTERVAL_NANOS || !syncing)) {
          headOrFail(done);
          lastHead = now;
        }
        if (!syncing && awaitingSync.isEmpty()) {
          break;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(syncing ? 100 : 1));
        continue;
      }
      if (!syncWanted && now - lastSync < intervalNanos && syncing) {
        LockSupport.parkNanos(intervalNanos - (now - lastSync));
        continue;
      }
      syncWanted = false;
      try {
        if (target.channel() != null) {
          target.channel().force(false);
        }
      } catch (java.nio.channels.ClosedChannelException e) {
        if (failure != null || target.seq() > sealedSeq) {
          continue; // closed by a failure, not by a seal: nothing is known to be on disk; look again
        }
        // closed by the seal, which synced everything up to its checkpoint
      } catch (IOException e) {
        syncFailure = e.toString();
        drop(drainAwaitingSync(), "the audit journal cannot be synced: " + e);
        LockSupport.unpark(writer);
        continue;
      }
      lastSync = System.nanoTime();
      synced = target;
      // Ed25519 signing costs about as much as a thousand appends: the head moves once a second
      if (lastSync - lastHead >= HEAD_INTERVAL_NANOS || !syncing) {
        headOrFail(target);
        lastHead = lastSync;
      }
      settle(target);
    }
  }

  /** Marks done the sync tickets written at or before {@code on}; the others wait for the next round. */
  private void settle(Position on) {
    if (awaitingSync.isEmpty()) {
      return;
    }
    boolean later = false;
    for (Ticket ticket : drainAwaitingSync()) {
      if (ticket.seq <= on.seq()) {
        ticket.finish(Ticket.DONE);
      } else {
        awaitingSync.add(ticket);
        later = true;
      }
    }
    if (later) {
      syncWanted = true;
    }
  }

  private boolean headBehind(long seq) {
    synchronized (headLock) {
      return headSeq < seq;
    }
  }

  private void headOrFail(Position at) {
    try {
      writeHead(at);
    } catch (IOException e) {
      syncFailure = "the journal head cannot be written: " + e;
      LockSupport.unpark(writer);
    }
  }

  private List<Ticket> drainAwaitingSync() {
    List<Ticket> out = new ArrayList<>();
    Ticket ticket;
    while ((ticket = awaitingSync.poll()) != null) {
      out.add(ticket);
    }
    return out;
  }

  /** Raised when an event cannot be journaled: the request that needed it is refused. */
  public static final class JournalUnavailableException extends RuntimeException {
    public JournalUnavailableException(String message) {
      super(message, null, false, false);
    }
  }
}
