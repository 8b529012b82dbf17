package dev.portcullis.plugin;

import java.util.Objects;

/**
 * What a policy says about one request. A closed set of four outcomes; only the core turns a
 * decision into an HTTP response, so a policy never writes to the client itself.
 *
 * <p>Chain semantics (deny by default): the first {@link Deny} or {@link Challenge} of an enforcing
 * policy ends the chain; the request passes only when no enforcing policy denied or challenged and
 * at least one allowed. {@link Abstain} means "not my business" and counts for neither side.
 */
public sealed interface Decision permits Decision.Allow, Decision.Deny, Decision.Challenge, Decision.Abstain {

  /** The request may pass as far as this policy is concerned. */
  record Allow() implements Decision {
  }

  /**
   * The request is refused.
   *
   * @param status  HTTP status for the client, 4xx or 5xx (usually 403)
   * @param key     stable, documented, upper-snake-case key such as {@code IP_NOT_ALLOWED}; clients
   *                and dashboards match on it
   * @param message for people; shown to the client, so it must not reveal anything secret
   */
  record Deny(int status, String key, String message) implements Decision {
    public Deny {
      if (status < 400 || status > 599) {
        throw new IllegalArgumentException("deny status must be 4xx or 5xx, got " + status);
      }
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(message, "message");
    }
  }

  /**
   * Something is missing that the user can supply, e.g. a (fresh) second factor. Browsers are sent
   * to the matching page; API clients get 401 with a {@code WWW-Authenticate} naming {@code kind}.
   *
   * @param kind what is missing, lower-case, e.g. {@code login} or {@code mfa}
   * @param hint a short explanation for the client, e.g. "second factor older than 15m"
   */
  record Challenge(String kind, String hint) implements Decision {
    public Challenge {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(hint, "hint");
    }
  }

  /** This policy has no opinion on this request. */
  record Abstain() implements Decision {
  }

  Allow ALLOW = new Allow();
  Abstain ABSTAIN = new Abstain();

  static Decision allow() {
    return ALLOW;
  }

  static Decision abstain() {
    return ABSTAIN;
  }

  static Decision deny(int status, String key, String message) {
    return new Deny(status, key, message);
  }

  static Decision challenge(String kind, String hint) {
    return new Challenge(kind, hint);
  }
}
