package dev.portcullis.gateway.identity;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What a new password must be (NIST SP 800-63B style: length and a deny list, no composition
 * rules): at least the minimum length, not the username or email, not one of the shipped common
 * passwords. The reason it gives names the rule, never the password.
 */
public final class PasswordRules {

  private static final Set<String> COMMON = load();
  private final int minLength;

  public PasswordRules(int minLength) {
    this.minLength = minLength;
  }

  /** Why the password is refused, or empty when it is acceptable. */
  public Optional<String> check(String password, String username, String email) {
    if (password == null || password.codePointCount(0, password.length()) < minLength) {
      return Optional.of("the password must have at least " + minLength + " characters");
    }
    if (password.length() > 1024) {
      return Optional.of("the password must have at most 1024 characters");
    }
    String lower = password.toLowerCase(Locale.ROOT);
    if (username != null && lower.equals(username.toLowerCase(Locale.ROOT))) {
      return Optional.of("the password must not be the username");
    }
    if (email != null && (lower.equals(email.toLowerCase(Locale.ROOT))
        || lower.equals(email.toLowerCase(Locale.ROOT).split("@", 2)[0]))) {
      return Optional.of("the password must not be the email address");
    }
    if (COMMON.contains(lower)) {
      return Optional.of("the password is on the list of commonly used passwords");
    }
    return Optional.empty();
  }

  static int commonCount() {
    return COMMON.size();
  }

  private static Set<String> load() {
    Set<String> words = new HashSet<>();
    try (InputStream in = PasswordRules.class.getResourceAsStream("common-passwords.txt")) {
      if (in == null) {
        throw new IllegalStateException("common-passwords.txt is missing from the gateway jar");
      }
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        String word = line.trim();
        if (!word.isEmpty() && !word.startsWith("#")) {
          words.add(word.toLowerCase(Locale.ROOT));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Set.copyOf(words);
  }
}
