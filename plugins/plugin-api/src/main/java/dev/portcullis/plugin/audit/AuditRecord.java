package dev.portcullis.plugin.audit;

import java.util.Objects;

/**
 * One journal record as a sink receives it.
 *
 * @param eventId  the event's id, unique across instances and restarts; receivers deduplicate on it
 *                 because delivery is at least once
 * @param sequence the record's position in this instance's journal (increasing, gap-free)
 * @param json     the record as written to the journal: one JSON object, no line break, in the
 *                 schema documented in {@code docs/audit-events.md}
 */
public record AuditRecord(String eventId, long sequence, String json) {

  public AuditRecord {
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(json, "json");
  }
}
