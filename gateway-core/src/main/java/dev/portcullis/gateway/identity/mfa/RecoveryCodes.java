package dev.portcullis.gateway.identity.mfa;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * One-time recovery codes such as {@code k7qm-2xdp-9hwa-ve3r}: the first group names the code (so
 * that one Argon2id check suffices, not ten), the other three (60 random bits) are its secret and
 * are stored only as a hash. Letters that are easy to confuse are not used, and are read as the
 * digit they look like when typed.
 */
public final class RecoveryCodes {

  private static final String ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A code as shown to the user once, split into its public id and its secret part. */
  public record Code(String id, String secret) {
    @Override
    public String toString() {
      return "Code[" + id + "]"; // never the secret part
    }

    public String display() {
      return id + "-" + secret.substring(0, 4) + "-" + secret.substring(4, 8) + "-" + secret.substring(8);
    }
  }

  private RecoveryCodes() {
  }

  public static List<Code> generate(int count) {
    List<Code> codes = new ArrayList<>(count);
    Set<String> ids = new HashSet<>();
    while (codes.size() < count) {
      String id = random(4);
      if (ids.add(id)) {
        codes.add(new Code(id, random(12)));
      }
    }
    return codes;
  }

  /** What the user typed, as a code; empty when it cannot be one (wrong length or characters). */
  public static Optional<Code> parse(String typed) {
    if (typed == null || typed.length() > 64) {
      return Optional.empty();
    }
    StringBuilder clean = new StringBuilder(16);
    for (char c : typed.toLowerCase(Locale.ROOT).toCharArray()) {
      switch (c) {
        case '-', ' ' -> { }
        case 'o' -> clean.append('0');
        case 'i', 'l' -> clean.append('1');
        default -> {
          if (ALPHABET.indexOf(c) < 0) {
            return Optional.empty();
          }
          clean.append(c);
        }
      }
    }
    return clean.length() == 16 ? Optional.of(new Code(clean.substring(0, 4), clean.substring(4)))
        : Optional.empty();
  }

  private static String random(int length) {
    StringBuilder out = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      out.append(ALPHABET.charAt(RANDOM.nextInt(32)));
    }
    return out.toString();
  }
}
