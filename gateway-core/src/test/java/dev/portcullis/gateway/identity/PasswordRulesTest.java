package dev.portcullis.gateway.identity;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PasswordRulesTest {

  private final PasswordRules rules = new PasswordRules(12);

  @Test
  void eachRuleNamesItselfAndNeverThePassword() {
    assertThat(rules.check("short", "ada", null)).hasValue("the password must have at least 12 characters");
    assertThat(rules.check("ada-lovelace", "Ada-Lovelace", null)).hasValue("the password must not be the username");
    assertThat(rules.check("ada@example.org", "ada", "ADA@example.org"))
        .hasValue("the password must not be the email address");
    assertThat(rules.check("1QAZ2wsx3edc", "ada", null))
        .hasValue("the password is on the list of commonly used passwords");
    assertThat(rules.check("correct horse battery staple", "ada", "ada@example.org")).isEmpty();
    assertThat(rules.check("x".repeat(1025), "ada", null)).hasValue("the password must have at most 1024 characters");
  }

  @Test
  void theShippedListIsLoaded() {
    assertThat(PasswordRules.commonCount()).isGreaterThan(2000);
  }

  @Test
  void theHasherVerifiesAndDetectsOldParameters() {
    PasswordHasher hasher = new PasswordHasher(new dev.portcullis.gateway.config.IdentityConfig.Passwords(
        8 * 1024, 1, 1, 12));
    String hash = hasher.hash("a long enough password");
    assertThat(hash).startsWith("$argon2id$v=19$m=8192,t=1,p=1$");
    assertThat(hasher.matches("a long enough password", hash)).isTrue();
    assertThat(hasher.matches("another password", hash)).isFalse();
    assertThat(hasher.matches("a long enough password", "plain-text-in-db")).isFalse();
    assertThat(hasher.matches("a long enough password", null)).isFalse();
    assertThat(hasher.needsRehash(hash)).isFalse();
    assertThat(new PasswordHasher(new dev.portcullis.gateway.config.IdentityConfig.Passwords(
        9 * 1024, 1, 1, 12)).needsRehash(hash)).isTrue();
  }
}
