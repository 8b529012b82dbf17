package dev.portcullis.gateway.audit;

import dev.portcullis.plugin.audit.AuditRecord;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the local journal for auditors: filtered queries, a live tail, and verification. All
 * methods block (they read files): call them on a worker.
 */
public final class AuditQueries {

  /**
   * What to look for; null fields match anything.
   *
   * @param afterSeq only records after this sequence number (for paging; 0 for the start)
   * @param from     inclusive
   * @param to       exclusive
   * @param tenant   only events of this tenant (null: every tenant, and events without one)
   */
  public record Filter(String subject, java.time.Instant from, java.time.Instant to, String route, String decision,
      String type, long afterSeq, String tenant) {

    public boolean matches(JsonObject record) {
      // event times are fixed-width UTC with milliseconds, so they compare as text
      String time = record.getString("time", "");
      return (subject == null || subject.equals(record.getString("subject"))
              || subject.equals(record.getString("actor"))
              || ("user".equals(record.getString("targetType")) && subject.equals(record.getString("target"))))
          && (from == null || time.compareTo(AuditEventWriter.TIME.format(from)) >= 0)
          && (to == null || time.compareTo(AuditEventWriter.TIME.format(to)) < 0)
          && (route == null || route.equals(record.getString("route")))
          && (tenant == null || tenant.equals(record.getString("tenant")))
          && (decision == null || decision.equals(record.getString("decision")))
          && (type == null || type.equals(record.getString("type"))
              || type.endsWith(".") && record.getString("type", "").startsWith(type));
    }
  }

  /** A page of results and where the next page starts (null when there is none). */
  public record Page(List<JsonObject> records, Long nextAfterSeq) {
  }

  private final Journal journal;
  private final Path publicKey;
  private final byte[] encryptionKey;

  public AuditQueries(Journal journal, Path signingKey, byte[] encryptionKey) {
    this.journal = journal;
    this.publicKey = CheckpointKey.publicFile(signingKey);
    this.encryptionKey = encryptionKey;
  }

  /** Up to {@code limit} matching records, oldest first. */
  public Page find(Filter filter, int limit) throws IOException {
    List<JsonObject> found = new ArrayList<>();
    long upTo = journal.writtenSeq();
    try (JournalCursor cursor = new JournalCursor(journal.directory(), journal.codec(), JournalCursor.Position.START)) {
      List<AuditRecord> batch;
      while (!(batch = cursor.read(1024, upTo)).isEmpty()) {
        for (AuditRecord record : batch) {
          if (record.sequence() <= filter.afterSeq()) {
            continue;
          }
          JsonObject json = new JsonObject(record.json());
          if (filter.matches(json)) {
            if (found.size() == limit) {
              return new Page(found, found.get(found.size() - 1).getLong("seq"));
            }
            found.add(json);
          }
        }
      }
    }
    return new Page(found, null);
  }

  public JournalVerifier.Report verify() throws IOException {
    return JournalVerifier.create(publicKey, encryptionKey).verify(journal.directory());
  }

  /** A reader of records written from now on. */
  public Tail tail() throws IOException {
    JournalCursor cursor = new JournalCursor(journal.directory(), journal.codec(), JournalCursor.Position.START);
    cursor.skip(journal.writtenSeq());
    return new Tail(cursor);
  }

  public Journal journal() {
    return journal;
  }

  /** The records appended since the last call. */
  public final class Tail implements AutoCloseable {
    private final JournalCursor cursor;

    private Tail(JournalCursor cursor) {
      this.cursor = cursor;
    }

    public List<AuditRecord> next() throws IOException {
      return cursor.read(1024, journal.writtenSeq());
    }

    @Override
    public void close() throws IOException {
      cursor.close();
    }
  }
}
