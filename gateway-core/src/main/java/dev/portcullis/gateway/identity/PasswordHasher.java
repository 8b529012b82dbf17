package dev.portcullis.gateway.identity;

import com.password4j.Argon2Function;
import com.password4j.types.Argon2;
import dev.portcullis.gateway.config.IdentityConfig;

/**
 * Argon2id password hashes as PHC strings ({@code $argon2id$v=19$m=…,t=…,p=…$salt$hash}), with the
 * parameters from config. Hashing takes tens of milliseconds on purpose: call it from a worker.
 */
public final class PasswordHasher {

  private final Argon2Function current;
  /** Checked against when the user is unknown, so that the answer takes as long as a real check. */
  private final String decoy;

  public PasswordHasher(IdentityConfig.Passwords config) {
    this.current = Argon2Function.getInstance(config.memoryKib(), config.iterations(), config.parallelism(), 32,
        Argon2.ID, Argon2Function.ARGON2_VERSION_13);
    this.decoy = hash("decoy password that nobody has " + System.nanoTime());
  }

  public String hash(CharSequence password) {
    return current.hash(password).getResult();
  }

  /** Whether the password matches; false for a malformed or non-Argon2id hash. */
  public boolean matches(CharSequence password, String stored) {
    if (stored == null || !stored.startsWith("$argon2id$")) {
      current.check(password, decoy); // same cost whatever the stored value
      return false;
    }
    try {
      return Argon2Function.getInstanceFromHash(stored).check(password, stored);
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Spends the time of one check without a user (unknown usernames must not answer faster). */
  public void burn(CharSequence password) {
    current.check(password, decoy);
  }

  /** Whether a stored hash was made with other parameters than the configured ones. */
  public boolean needsRehash(String stored) {
    try {
      Argon2Function used = Argon2Function.getInstanceFromHash(stored);
      return used.getMemory() != current.getMemory() || used.getIterations() != current.getIterations()
          || used.getParallelism() != current.getParallelism() || used.getVariant() != Argon2.ID;
    } catch (RuntimeException e) {
      return true;
    }
  }
}
