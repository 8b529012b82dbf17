package dev.portcullis.gateway.identity.mfa;

import dev.portcullis.gateway.audit.AuditLog;
import dev.portcullis.gateway.config.IdentityConfig;
import dev.portcullis.gateway.identity.Iam;
import dev.portcullis.gateway.identity.IdentityResolver;
import dev.portcullis.gateway.identity.PasswordHasher;
import dev.portcullis.gateway.identity.login.LoginThrottle;
import dev.portcullis.gateway.identity.store.IamException;
import dev.portcullis.gateway.identity.store.TotpCredential;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The TOTP second factor: enrolment, verification (with replay protection across the cluster and
 * its own brute-force counter), recovery codes, the enrolment rules and the admin reset. Every
 * step is journaled; no secret or code ever is.
 */
public final class SecondFactor {

  private static final Logger LOG = LoggerFactory.getLogger(SecondFactor.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  /** RFC 4226 recommends at least 128 bits and 160 bits for SHA-1. */
  private static final int SECRET_BYTES = 20;

  /** What a user must do about the second factor once the first is proven. */
  public enum Requirement {
    /** Nothing: not enrolled and no rule requires it. */
    NONE,
    /** Enter a code (enrolled). */
    VERIFY,
    /** Enrol now: a rule requires it and the grace period is over. */
    ENROL,
    /** Enrol, or postpone until {@code graceUntil}. */
    ENROL_OR_POSTPONE
  }

  public record Need(Requirement requirement, Instant graceUntil) {
  }

  /** A started enrolment: the secret as text for typing into an app, and the URI the QR code holds. */
  public record Enrolment(String secretText, String uri, String issuer, String account) {
    @Override
    public String toString() {
      return "Enrolment[" + issuer + ":" + account + "]"; // never the secret
    }
  }

  /** The outcome of a code check. */
  public sealed interface Result {
  }

  /** The code was right. {@code method} is otp or rc; {@code remaining} recovery codes (for rc). */
  public record Passed(String method, int remaining, List<String> recoveryCodes) implements Result {
    @Override
    public String toString() {
      return "Passed[" + method + ", remaining=" + remaining + "]"; // never the codes
    }
  }

  /** The code was wrong, replayed, or there is nothing to check it against. */
  public record Refused(String reason) implements Result {
  }

  /** Too many wrong codes: wait this long. */
  public record Locked(Duration retryAfter) implements Result {
  }

  /** Who is proving, from where, for the journal. */
  public record Attempt(String userId, String tenantId, String client, String requestId) {
  }

  private final Iam iam;
  private final TotpSecretBox box;
  private final PasswordHasher hasher;
  private final OtpReplayGuard replays;
  private final LoginThrottle throttle;
  private final IdentityResolver resolver;
  private final AuditLog audit;
  private final IdentityConfig.Mfa config;
  private final Totp defaults;
  private final Clock clock;

  public SecondFactor(Iam iam, TotpSecretBox box, PasswordHasher hasher, OtpReplayGuard replays,
      LoginThrottle throttle, IdentityResolver resolver, AuditLog audit, IdentityConfig.Mfa config, Clock clock) {
    this.iam = iam;
    this.box = box;
    this.hasher = hasher;
    this.replays = replays;
    this.throttle = throttle;
    this.resolver = resolver;
    this.audit = audit;
    this.config = config;
    this.defaults = new Totp(config.algorithm(), config.digits(), config.period());
    this.clock = clock;
  }

  public Future<Boolean> enrolled(String userId) {
    return iam.blocking(() -> iam.store().totpCredential(userId).map(TotpCredential::confirmed).orElse(false));
  }

  /** What the user owes after the first factor: by enrolment, then by the {@code enforce} rules. */
  public Future<Need> need(String userId) {
    return enrolled(userId).compose(enrolled -> {
      if (enrolled) {
        return Future.succeededFuture(new Need(Requirement.VERIFY, null));
      }
      if (config.enforce().isEmpty()) {
        return Future.succeededFuture(new Need(Requirement.NONE, null));
      }
      return resolver.resolve(userId, Map.of(), null).compose(identity -> {
        if (identity == null) {
          // disabled or deleted meanwhile: no sign-in, rather than one that skipped the rules
          return Future.failedFuture(new IamException(IamException.Kind.NOT_FOUND, "the account is disabled"));
        }
        Optional<Duration> grace = config.enforce().stream()
            .filter(rule -> rule.roles().stream().anyMatch(identity.roles()::contains))
            .map(IdentityConfig.Enforcement::grace).min(Duration::compareTo);
        if (grace.isEmpty()) {
          return Future.succeededFuture(new Need(Requirement.NONE, null));
        }
        if (grace.get().isZero()) {
          return Future.succeededFuture(new Need(Requirement.ENROL, null));
        }
        return iam.blocking(() -> iam.store().mfaGraceStart(userId)).map(start -> {
          Instant until = start.plus(grace.get());
          return clock.instant().isBefore(until) ? new Need(Requirement.ENROL_OR_POSTPONE, until)
              : new Need(Requirement.ENROL, until);
        });
      });
    });
  }

  /**
   * Starts an enrolment for the sign-in {@code signIn} (a hash of its session id), or shows again
   * the one it started (a reload or a mistyped code keeps the secret the app already has); any
   * other unfinished enrolment of the user is replaced. Fails with IamException CONFLICT when the
   * user already has a confirmed authenticator (an admin must reset it first).
   */
  public Future<Enrolment> begin(String userId, String account, String signIn) {
    return iam.blocking(() -> {
      Optional<TotpCredential> existing = iam.store().totpCredential(userId);
      if (existing.map(TotpCredential::confirmed).orElse(false)) {
        throw new IamException(IamException.Kind.CONFLICT, "an authenticator is already enrolled");
      }
      if (existing.isPresent() && existing.get().startedBy().equals(signIn)) {
        return enrolment(totp(existing.get()), box.open(userId, existing.get().sealedSecret()), account);
      }
      byte[] secret = new byte[SECRET_BYTES];
      RANDOM.nextBytes(secret);
      iam.store().putUnconfirmedTotp(new TotpCredential(userId, box.seal(userId, secret), defaults.algorithm(),
          defaults.digits(), (int) defaults.period().getSeconds(), signIn, null, clock.instant()));
      return enrolment(defaults, secret, account);
    });
  }

  /** The QR code of the enrolment {@code signIn} started, as a PNG; empty when there is none. */
  public Future<Optional<byte[]>> qrCode(String userId, String account, String signIn) {
    return iam.blocking(() -> unfinished(userId, signIn).map(c -> {
      Totp totp = totp(c);
      return QrCodes.png(totp.uri(config.issuer(), account, box.open(userId, c.sealedSecret())), 240);
    }));
  }

  private Optional<TotpCredential> unfinished(String userId, String signIn) {
    return iam.store().totpCredential(userId).filter(c -> !c.confirmed() && c.startedBy().equals(signIn));
  }

  /**
   * Completes an enrolment with the first code from the app. Passed carries the new recovery
   * codes, to be shown once.
   */
  public Future<Result> confirm(Attempt attempt, String code, String signIn) {
    return throttled(attempt, () -> iam.blocking(() -> unfinished(attempt.userId(), signIn)).compose(pending -> {
          if (pending.isEmpty()) {
            return Future.succeededFuture(new Refused("not-enrolling"));
          }
          TotpCredential credential = pending.get();
          OptionalLong step = totp(credential).matchingStep(box.open(attempt.userId(), credential.sealedSecret()),
              code, clock.instant());
          if (step.isEmpty()) {
            return Future.succeededFuture(new Refused("bad-code"));
          }
          return replays.claim(attempt.userId(), step.getAsLong(), Duration.ofSeconds(credential.periodSeconds()))
              .compose(fresh -> fresh ? iam.blocking(() -> {
                List<RecoveryCodes.Code> codes = RecoveryCodes.generate(config.recoveryCodes());
                Map<String, String> hashes = new LinkedHashMap<>();
                codes.forEach(c -> hashes.put(c.id(), hasher.hash(c.secret())));
                if (!iam.store().confirmTotp(attempt.userId(), credential.sealedSecret(), hashes)) {
                  return new Refused("not-enrolling");
                }
                return new Passed("otp", codes.size(), codes.stream().map(RecoveryCodes.Code::display).toList());
              }) : Future.succeededFuture(new Refused("replayed")));
        }), "auth.mfa.enrol");
  }

  /** Checks a TOTP code or a recovery code of an enrolled user. */
  public Future<Result> verify(Attempt attempt, String code) {
    String typed = code == null ? "" : code.trim().replace(" ", "");
    return throttled(attempt, () -> iam.blocking(() -> iam.store().totpCredential(attempt.userId())
        .filter(TotpCredential::confirmed)).compose(credential -> {
          if (credential.isEmpty()) {
            return Future.succeededFuture(new Refused("not-enrolled"));
          }
          Totp totp = totp(credential.get());
          if (typed.length() == totp.digits() && typed.chars().allMatch(Character::isDigit)) {
            OptionalLong step = totp.matchingStep(box.open(attempt.userId(), credential.get().sealedSecret()),
                typed, clock.instant());
            if (step.isEmpty()) {
              return Future.succeededFuture(new Refused("bad-code"));
            }
            return replays.claim(attempt.userId(), step.getAsLong(), totp.period())
                .map(fresh -> fresh ? new Passed("otp", -1, List.of()) : new Refused("replayed"));
          }
          return recoveryCode(attempt.userId(), typed);
        }), "auth.mfa.verify");
  }

  private Future<Result> recoveryCode(String userId, String typed) {
    Optional<RecoveryCodes.Code> code = RecoveryCodes.parse(typed);
    if (code.isEmpty()) {
      return Future.succeededFuture(new Refused("bad-code"));
    }
    return iam.blocking(() -> {
      Optional<String> hash = iam.store().unusedRecoveryCode(userId, code.get().id());
      if (hash.isEmpty()) {
        hasher.burn(code.get().secret()); // the same work as a real check
        return new Refused("bad-code");
      }
      if (!hasher.matches(code.get().secret(), hash.get())) {
        return new Refused("bad-code");
      }
      if (!iam.store().useRecoveryCode(userId, code.get().id())) {
        return new Refused("replayed");
      }
      return new Passed("rc", iam.store().unusedRecoveryCodes(userId), List.of());
    });
  }

  /**
   * Runs a check under the second-factor brute-force counters (per user and per address, apart
   * from the password's) and journals its outcome; a success is journaled before it counts.
   */
  private Future<Result> throttled(Attempt attempt, java.util.function.Supplier<Future<Result>> check,
      String successType) {
    String userKey = LoginThrottle.userKey("otp", attempt.userId());
    String addressKey = LoginThrottle.addressKey("otp", attempt.client());
    return throttle.reserve(userKey, addressKey).compose(reservation -> {
      if (!reservation.allowed()) {
        return journal("auth.mfa.lockout", attempt, null, "locked", null)
            .map(new Locked(reservation.lockedFor()));
      }
      return check.get().compose(result -> {
        if (result instanceof Passed passed) {
          return journal(successType, attempt, passed.method(), null,
              passed.method().equals("rc") ? passed.remaining() : null)
              .compose(v -> throttle.succeeded(userKey, addressKey)).map(result);
        }
        if (result instanceof Refused refused) {
          return journal("auth.mfa.failure", attempt, null, refused.reason(), null).map(result);
        }
        return Future.succeededFuture(result);
      });
    });
  }

  private Future<Void> journal(String type, Attempt attempt, String method, String reason, Integer remaining) {
    return audit.authentication(type, attempt.requestId(), attempt.client(), attempt.userId(), attempt.tenantId(),
        method, reason, remaining).mapEmpty();
  }

  /** Journals that a user postponed enrolling within the grace period. */
  public Future<Void> postponed(Attempt attempt) {
    return journal("auth.mfa.postpone", attempt, null, null, null);
  }

  /**
   * Removes a user's authenticator and recovery codes (admin), so they enrol again at their next
   * sign-in; also lifts a second-factor lockout. Journaled (sync) before it happens. Resolves to
   * whether there was anything to remove.
   */
  public Future<Boolean> reset(String userId, String actor) {
    return iam.user(userId).compose(user -> audit.admin(actor, user.map(u -> u.tenantId()).orElse(null), "mfa-reset",
            "user", userId, Map.of("totp", "removed", "recoveryCodes", "removed")))
        .compose(seq -> iam.blocking(() -> iam.store().deleteSecondFactor(userId)))
        .compose(removed -> throttle.unlock("otp", userId).map(removed))
        .onSuccess(removed -> LOG.info("Second factor of user {} reset by {} (had one: {})", userId, actor, removed));
  }

  private Totp totp(TotpCredential credential) {
    return new Totp(credential.algorithm(), credential.digits(), Duration.ofSeconds(credential.periodSeconds()));
  }

  private Enrolment enrolment(Totp totp, byte[] secret, String account) {
    String text = Totp.base32(secret).replaceAll("(.{4})(?!$)", "$1 ");
    return new Enrolment(text, totp.uri(config.issuer(), account, secret), config.issuer(), account);
  }
}
