package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.admin.AdminHttp.Reply;
import dev.portcullis.gateway.identity.Secrets;
import dev.portcullis.gateway.identity.store.ApiToken;
import dev.portcullis.gateway.identity.store.Directory;
import dev.portcullis.gateway.identity.token.ApiTokens;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code /admin/v1/users/{id}/tokens}: a user's API tokens. A new token is returned once, in the
 * creating response, and only its SHA-256 is stored. Its scopes are the most it can do; making one
 * for someone else needs every permission that person holds (a token is their key).
 */
final class TokensApi {

  static final Duration DEFAULT_LIFETIME = Duration.ofDays(90);
  static final Duration MAX_LIFETIME = Duration.ofDays(366);
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 ._:-]{0,127}");

  private final AdminStore store;
  private final UserAccess access;
  private final Clock clock;

  TokensApi(AdminStore store, UserAccess access, Clock clock) {
    this.store = store;
    this.access = access;
    this.clock = clock;
  }

  void mount(Router router, AdminHttp http) {
    String base = "/admin/v1/users/:id/tokens";
    http.on(router, HttpMethod.GET, base, Set.of("limit", "cursor"), (who, call) -> store.read(c -> {
      access.readable(c, who, call.path("id"));
      return Reply.ok(AdminHttp.pageOf(store.directory().tokens(c, call.path("id")), ApiToken::id, AdminJson::token,
          call));
    }));
    http.on(router, HttpMethod.POST, base, Set.of(), this::create);
    http.on(router, HttpMethod.DELETE, base + "/:token", Set.of(), this::revoke);
  }

  private Future<Reply> create(AdminCaller who, AdminHttp.Call call) {
    AdminHttp.Body body = call.body(Set.of("name", "scopes", "expiresAt"));
    String name = body.string("name", true, NAME, "1–128 letters, digits, spaces and . _ : -");
    Set<String> scopes = new LinkedHashSet<>(body.strings("scopes", true, 200, RolesApi.PERMISSION,
        "a permission resource:action (the token can do no more than its scopes)"));
    if (scopes.isEmpty()) {
      throw AdminError.invalid("scopes", "needs at least one permission (a token without scopes can do nothing)");
    }
    if (String.join(" ", scopes).length() > 2000) {
      throw AdminError.invalid("scopes", "are too many: at most 2000 characters together");
    }
    Instant now = clock.instant();
    Instant expiresAt = body.has("expiresAt") ? body.instant("expiresAt") : now.plus(DEFAULT_LIFETIME);
    if (expiresAt == null || !expiresAt.isAfter(now)) {
      throw AdminError.invalid("expiresAt", "must be in the future");
    }
    if (expiresAt.isAfter(now.plus(MAX_LIFETIME))) {
      throw AdminError.invalid("expiresAt", "must be within " + MAX_LIFETIME.toDays() + " days (rotate tokens)");
    }
    String userId = call.path("id");
    String plaintext = ApiTokens.PREFIX + Secrets.random256();
    return store.change(who, (c, journal) -> {
      Directory.UserRow owner = access.writable(c, who, userId, "a token for this user");
      who.requireHolds(scopes, "a token with these scopes");
      Set<String> unheld = new java.util.TreeSet<>(scopes);
      unheld.removeAll(access.permissionsNow(c, owner, now));
      if (!unheld.isEmpty()) {
        throw AdminError.invalid("scopes", "the user does not hold " + String.join(", ", unheld));
      }
      ApiToken token = store.directory().createToken(c, userId, name, Secrets.sha256(plaintext), scopes, expiresAt);
      Map<String, String> changes = new LinkedHashMap<>();
      changes.put("name", name);
      changes.put("scopes", String.join(" ", new java.util.TreeSet<>(scopes)));
      changes.put("expiresAt", expiresAt.toString());
      changes.put("user", userId);
      journal.record("token-create", owner.user().tenantId(), "token", token.id(), changes);
      return token;
    }).map(token -> Reply.created(new JsonObject().put("token", AdminJson.token(token)).put("secret", plaintext),
        null));
  }

  private Future<Reply> revoke(AdminCaller who, AdminHttp.Call call) {
    String userId = call.path("id");
    String tokenId = call.path("token");
    return store.change(who, (c, journal) -> {
      // revoking locks the owner's scripts out: not for an account stronger than the caller's
      Directory.UserRow owner = access.writable(c, who, userId, "revoking this user's tokens");
      ApiToken token = store.directory().token(c, tokenId).filter(t -> t.userId().equals(userId))
          .orElseThrow(() -> AdminError.notFound("token " + tokenId + " of user " + userId));
      if (!store.directory().revokeToken(c, token.id())) {
        throw AdminError.conflict("ALREADY_REVOKED", "token " + tokenId + " was revoked already");
      }
      journal.record("token-revoke", owner.user().tenantId(), "token", tokenId, Map.of("name", token.name(),
          "user", userId));
      return token;
    }).map(token -> {
      store.iam().userChanged(userId);
      return Reply.noContent();
    });
  }
}
