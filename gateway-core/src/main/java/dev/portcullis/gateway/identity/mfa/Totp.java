package dev.portcullis.gateway.identity.mfa;

import com.eatthepath.otp.TimeBasedOneTimePasswordGenerator;

import javax.crypto.spec.SecretKeySpec;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * RFC 6238 codes for one set of parameters, computed by java-otp. A code is accepted for the
 * current time step and one step either side (clocks on phones drift); the step it matched is
 * returned so that the caller can refuse it a second time.
 *
 * @param algorithm SHA1, SHA256 or SHA512
 */
public record Totp(String algorithm, int digits, Duration period) {

  private static final String BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

  public String code(byte[] secret, Instant at) {
    try {
      return generator().generateOneTimePasswordString(key(secret), at, Locale.ROOT);
    } catch (InvalidKeyException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The time step whose code {@code code} is, within ±1 step of {@code now}; empty when none. */
  public OptionalLong matchingStep(byte[] secret, String code, Instant now) {
    if (code == null || code.length() != digits || !code.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return OptionalLong.empty();
    }
    TimeBasedOneTimePasswordGenerator generator = generator();
    SecretKeySpec key = key(secret);
    long seconds = period.getSeconds();
    long current = Math.floorDiv(now.getEpochSecond(), seconds);
    try {
      // Check all three steps whatever matches, so the time taken says nothing about which did.
      long found = -1;
      for (long step = current - 1; step <= current + 1; step++) {
        String expected = generator.generateOneTimePasswordString(key, Instant.ofEpochSecond(step * seconds),
            Locale.ROOT);
        if (java.security.MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
            code.getBytes(StandardCharsets.US_ASCII)) && found < 0) {
          found = step;
        }
      }
      return found < 0 ? OptionalLong.empty() : OptionalLong.of(found);
    } catch (InvalidKeyException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The {@code otpauth://} URI authenticator apps read from the QR code (Key Uri Format). */
  public String uri(String issuer, String account, byte[] secret) {
    String label = encode(issuer) + ":" + encode(account);
    return "otpauth://totp/" + label + "?secret=" + base32(secret) + "&issuer=" + encode(issuer)
        + "&algorithm=" + algorithm + "&digits=" + digits + "&period=" + period.getSeconds();
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /**
   * RFC 4648 base32 without padding, as authenticator apps expect the secret. Hand-written: the
   * JDK has no base32 and these dozen lines do not justify a codec library.
   */
  public static String base32(byte[] data) {
    StringBuilder out = new StringBuilder((data.length * 8 + 4) / 5);
    int buffer = 0;
    int bits = 0;
    for (byte b : data) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        out.append(BASE32.charAt((buffer >> (bits - 5)) & 31));
        bits -= 5;
      }
    }
    if (bits > 0) {
      out.append(BASE32.charAt((buffer << (5 - bits)) & 31));
    }
    return out.toString();
  }

  private TimeBasedOneTimePasswordGenerator generator() {
    return new TimeBasedOneTimePasswordGenerator(period, digits, "Hmac" + algorithm);
  }

  private SecretKeySpec key(byte[] secret) {
    return new SecretKeySpec(secret, "Hmac" + algorithm);
  }
}
