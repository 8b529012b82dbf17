package dev.portcullis.gateway.audit;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Event ids unique across instances and restarts without coordination: a random 64-bit run id
 * chosen at start, then a counter ({@code 3f9c0a1b2c3d4e5f-000000000000002a}). Receivers deduplicate
 * on them.
 */
public final class EventIds {

  private final String run;
  private final String instance;
  private final AtomicLong counter = new AtomicLong();

  /** @param instance the instance's name as written into events (host name, or configured) */
  public EventIds(String instance) {
    byte[] random = new byte[8];
    new SecureRandom().nextBytes(random);
    this.run = HexFormat.of().formatHex(random);
    this.instance = instance;
  }

  public String next() {
    String hex = Long.toHexString(counter.incrementAndGet());
    // zero-padded to 16 digits without String.format, which costs more than the rest of the event
    return new StringBuilder(33).append(run).append('-').append("0000000000000000", hex.length(), 16)
        .append(hex).toString();
  }

  public String instance() {
    return instance;
  }
}
