package dev.portcullis.gateway.support;

import dev.portcullis.gateway.identity.mfa.Totp;

import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a phone app does in tests: reads the key shown on the enrolment page and computes codes
 * at a given clock's time (RFC 6238, SHA-1, 6 digits, 30 s unless told otherwise).
 */
public final class Authenticator {

  private static final Pattern SECRET = Pattern.compile("id=\"totp-secret\">([A-Z2-7 ]+)</code>");
  private final byte[] secret;
  private final Totp totp;
  private final Clock clock;

  public Authenticator(String base32, Clock clock) {
    this(base32, clock, new Totp("SHA1", 6, Duration.ofSeconds(30)));
  }

  public Authenticator(String base32, Clock clock, Totp totp) {
    this.secret = decode(base32);
    this.clock = clock;
    this.totp = totp;
  }

  /** The key shown on an enrolment page, as typed into an app (spaces and all). */
  public static String secretOn(String enrolmentPage) {
    Matcher m = SECRET.matcher(enrolmentPage);
    if (!m.find()) {
      throw new IllegalStateException("no TOTP key on the page");
    }
    return m.group(1);
  }

  public String code() {
    return totp.code(secret, clock.instant());
  }

  static byte[] decode(String base32) {
    String clean = base32.replace(" ", "").toUpperCase(Locale.ROOT);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int buffer = 0;
    int bits = 0;
    for (char c : clean.toCharArray()) {
      buffer = (buffer << 5) | "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".indexOf(c);
      bits += 5;
      if (bits >= 8) {
        out.write((buffer >> (bits - 8)) & 0xff);
        bits -= 8;
      }
    }
    return out.toByteArray();
  }
}
