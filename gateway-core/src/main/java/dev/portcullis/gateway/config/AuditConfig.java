package dev.portcullis.gateway.config;

import dev.portcullis.plugin.audit.AuditSinkFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The {@code audit:} section: where the journal lives, how durable each write is, how segments rotate
 * and expire, whether they are encrypted, and the sinks that ship central copies.
 *
 * @param instance       this instance's name in events (defaults to the host name)
 * @param encryptionKey  32 bytes for AES-256-GCM, or null for plain segments
 * @param retention      how long sealed segments are kept; null keeps them forever
 */
public record AuditConfig(
    Path directory,
    String instance,
    Durability durability,
    Duration commitInterval,
    long segmentMaxBytes,
    Duration segmentMaxAge,
    Duration retention,
    byte[] encryptionKey,
    Path signingKey,
    int queueCapacity,
    List<Sink> sinks) {

  /** When an event counts as journaled: written to the file (synced within the commit interval), or synced. */
  public enum Durability { BATCH, SYNC }

  /**
   * One configured sink.
   *
   * @param name      unique among the sinks; names the shipper's offset file
   * @param batchSize records per delivery at most
   * @param timeout   a delivery not settled by then counts as failed (and is retried)
   */
  public record Sink(String name, String id, AuditSinkFactory<?> factory, Record config, int batchSize,
      Duration retryInitial, Duration retryMax, Duration timeout) {
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AuditConfig other && directory.equals(other.directory) && instance.equals(other.instance)
        && durability == other.durability && commitInterval.equals(other.commitInterval)
        && segmentMaxBytes == other.segmentMaxBytes && segmentMaxAge.equals(other.segmentMaxAge)
        && java.util.Objects.equals(retention, other.retention)
        && java.util.Arrays.equals(encryptionKey, other.encryptionKey) && signingKey.equals(other.signingKey)
        && queueCapacity == other.queueCapacity && sinks.equals(other.sinks);
  }

  @Override
  public int hashCode() {
    return directory.hashCode();
  }

  @Override
  public String toString() {
    return "AuditConfig[" + directory + ", " + durability + ", encrypted=" + (encryptionKey != null) + "]";
  }
}
