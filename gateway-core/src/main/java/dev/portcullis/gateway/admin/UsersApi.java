package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.admin.AdminHttp.Reply;
import dev.portcullis.gateway.identity.IamWriteThrough;
import dev.portcullis.gateway.identity.IdentityServices;
import dev.portcullis.gateway.identity.store.Directory;
import dev.portcullis.gateway.identity.store.User;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code /admin/v1/users}: list, create, read, update, delete, disable and enable, set a password,
 * reset the second factor and lift a lockout. Every change needs {@code iam:write} in the user's
 * tenant and every permission the user holds; disabling, deleting and a new password end the
 * user's sessions on every instance.
 */
final class UsersApi {

  static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}");
  static final Pattern TENANT = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]{1,255}"); // fits its column (320)
  private static final Pattern STATUS = Pattern.compile("active|disabled");
  private static final Set<String> CREATE_FIELDS = Set.of("tenant", "username", "email", "displayName", "password");
  private static final Set<String> UPDATE_FIELDS = Set.of("email", "displayName");

  private final AdminStore store;
  private final UserAccess access;
  private final IdentityServices identity;
  private final IamWriteThrough source;

  UsersApi(AdminStore store, UserAccess access, IdentityServices identity, IamWriteThrough source) {
    this.store = store;
    this.access = access;
    this.identity = identity;
    this.source = source;
  }

  void mount(Router router, AdminHttp http) {
    String base = "/admin/v1/users";
    http.on(router, HttpMethod.GET, base, Set.of("tenant", "status", "q", "limit", "cursor"), this::list);
    http.on(router, HttpMethod.POST, base, Set.of(), this::create);
    http.on(router, HttpMethod.GET, base + "/:id", Set.of(), (who, call) -> store.read(c ->
        access.readable(c, who, call.path("id"))).map(row -> Reply.ok(AdminJson.user(row), row.version())));
    http.on(router, HttpMethod.PATCH, base + "/:id", Set.of(), this::update);
    http.on(router, HttpMethod.DELETE, base + "/:id", Set.of(), this::delete);
    http.on(router, HttpMethod.POST, base + "/:id/disable", Set.of(), (who, call) -> status(who, call,
        User.Status.DISABLED));
    http.on(router, HttpMethod.POST, base + "/:id/enable", Set.of(), (who, call) -> status(who, call,
        User.Status.ACTIVE));
    http.on(router, HttpMethod.PUT, base + "/:id/password", Set.of(), this::password);
    http.on(router, HttpMethod.DELETE, base + "/:id/totp", Set.of(), this::resetTotp);
    http.on(router, HttpMethod.POST, base + "/:id/unlock", Set.of(), this::unlock);
  }

  private Future<Reply> list(AdminCaller who, AdminHttp.Call call) {
    String tenant = scopedTenant(who, call.query("tenant", TENANT, "a tenant id"), AdminPermissions.IAM_READ);
    String status = call.query("status", STATUS, "active or disabled");
    String q = call.query("q", USERNAME, "the start of a username");
    int limit = call.limit();
    String after = call.cursor();
    return store.read(c -> store.directory().users(c, tenant, status, q, after, limit))
        .map(page -> Reply.ok(AdminHttp.page(page.items().stream().map(AdminJson::user).toList(), page.next())));
  }

  /**
   * The tenant a listing is limited to: the one asked for (which the caller must reach), else the
   * caller's own unless it may see every tenant (then null: all).
   */
  static String scopedTenant(AdminCaller who, String asked, String permission) {
    if (asked != null) {
      who.require(permission, asked);
      return asked;
    }
    who.require(permission);
    return who.tenantScope();
  }

  private Future<Reply> create(AdminCaller who, AdminHttp.Call call) {
    refuseIfManaged(source);
    AdminHttp.Body body = call.body(CREATE_FIELDS);
    String tenant = body.string("tenant", false, TENANT, "a tenant id");
    String tenantId = tenant != null ? tenant : who.identity().tenant();
    if (tenantId == null) {
      throw AdminError.invalid("tenant", "is required (you belong to no tenant)");
    }
    who.require(AdminPermissions.IAM_WRITE, tenantId);
    String username = body.string("username", true, USERNAME, "1–128 letters, digits and . _ @ + -");
    String email = body.string("email", false, EMAIL, "an email address");
    String displayName = body.string("displayName", false, 200);
    String password = body.string("password", false, 1024);
    if (password != null) {
      identity.passwordProblem(password, username, email).ifPresent(problem -> {
        throw AdminError.invalid("password", problem);
      });
    }
    return store.blocking(() -> password == null ? null : identity.hasher().hash(password))
        .compose(hash -> store.change(who, (c, journal) -> {
          if (store.directory().tenant(c, tenantId).isEmpty()) {
            throw AdminError.invalid("tenant", "tenant '" + tenantId + "' does not exist");
          }
          Directory.UserRow row = store.directory().createUser(c, tenantId, username, email, displayName, hash);
          Map<String, String> changes = new LinkedHashMap<>();
          // who the person is stays in the store (and the target's pseudonym): the journal is kept for years
          changes.put("email", email == null ? "none" : "set");
          changes.put("displayName", displayName == null ? "none" : "set");
          changes.put("password", hash == null ? "none" : "set");
          journal.record("user-create", tenantId, "user", row.user().id(), changes);
          return row;
        })).map(row -> Reply.created(AdminJson.user(row), row.version()));
  }

  private Future<Reply> update(AdminCaller who, AdminHttp.Call call) {
    refuseIfManaged(source);
    AdminHttp.Body body = call.body(UPDATE_FIELDS);
    int version = call.ifMatch();
    String id = call.path("id");
    return store.change(who, (c, journal) -> {
      Directory.UserRow row = access.writable(c, who, id, "changing this user");
      String email = body.has("email") ? body.string("email", false, EMAIL, "an email address")
          : row.user().email();
      String displayName = body.has("displayName") ? body.string("displayName", false, 200)
          : row.user().displayName();
      if (!store.directory().updateUser(c, id, email, displayName, version)) {
        throw AdminError.preconditionFailed("user " + id, row.version());
      }
      Map<String, String> changes = new LinkedHashMap<>();
      if (body.has("email")) {
        changes.put("email", "changed");
      }
      if (body.has("displayName")) {
        changes.put("displayName", "changed");
      }
      journal.record("user-update", row.user().tenantId(), "user", id, changes);
      return store.directory().user(c, id).orElseThrow();
    }).map(row -> {
      store.iam().userChanged(id);
      return Reply.ok(AdminJson.user(row), row.version());
    });
  }

  private Future<Reply> delete(AdminCaller who, AdminHttp.Call call) {
    refuseIfManaged(source);
    String id = call.path("id");
    Integer version = call.optionalIfMatch();
    refuseSelf(who, id, "delete");
    return store.change(who, (c, journal) -> {
      Directory.UserRow row = access.writable(c, who, id, "deleting this user");
      if (!store.directory().deleteUser(c, id, version)) {
        throw AdminError.preconditionFailed("user " + id, row.version());
      }
      journal.record("user-delete", row.user().tenantId(), "user", id, Map.of());
      return row;
    }).compose(row -> {
      store.iam().userChanged(id);
      return identity.revokeSignIns(id, "user-deleted");
    }).map(v -> Reply.noContent());
  }

  private Future<Reply> status(AdminCaller who, AdminHttp.Call call, User.Status status) {
    refuseIfManaged(source);
    String id = call.path("id");
    if (status == User.Status.DISABLED) {
      refuseSelf(who, id, "disable");
    }
    String action = status == User.Status.DISABLED ? "user-disable" : "user-enable";
    return store.change(who, (c, journal) -> {
      Directory.UserRow row = access.writable(c, who, id, status == User.Status.DISABLED ? "disabling this user"
          : "enabling this user");
      if (row.user().status() != status) {
        journal.record(action, row.user().tenantId(), "user", id, Map.of("status",
            status.name().toLowerCase(java.util.Locale.ROOT)));
        store.directory().setStatus(c, id, status);
      }
      return store.directory().user(c, id).orElseThrow();
    }).compose(row -> {
      store.iam().userChanged(id);
      // a disabled user's API tokens stop with the account (their owner no longer resolves)
      return (status == User.Status.DISABLED ? identity.revokeSignIns(id, "user-disabled")
          : Future.<Void>succeededFuture()).map(v -> Reply.ok(AdminJson.user(row), row.version()));
    });
  }

  private Future<Reply> password(AdminCaller who, AdminHttp.Call call) {
    refuseIfManaged(source);
    AdminHttp.Body body = call.body(Set.of("password"));
    String password = body.string("password", true, 1024);
    String id = call.path("id");
    return store.read(c -> access.writable(c, who, id, "setting this user's password")).compose(row -> {
      identity.passwordProblem(password, row.user().username(), row.user().email()).ifPresent(problem -> {
        throw AdminError.invalid("password", problem);
      });
      return store.blocking(() -> identity.hasher().hash(password));
    }).compose(hash -> store.change(who, (c, journal) -> {
      Directory.UserRow row = access.writable(c, who, id, "setting this user's password");
      journal.record("user-password", row.user().tenantId(), "user", id, Map.of("password", "changed"));
      store.directory().setPasswordHash(c, id, hash);
      return null;
    })).compose(v -> {
      store.iam().userChanged(id);
      return identity.revokeSignIns(id, "password-changed");
    }).map(v -> Reply.noContent());
  }

  private Future<Reply> resetTotp(AdminCaller who, AdminHttp.Call call) {
    String id = call.path("id");
    return store.read(c -> access.writable(c, who, id, "resetting this user's second factor"))
        .compose(row -> identity.resetSecondFactor(id, who.subject()))
        .map(removed -> Reply.ok(new JsonObject().put("removed", removed)));
  }

  private Future<Reply> unlock(AdminCaller who, AdminHttp.Call call) {
    String id = call.path("id");
    return store.read(c -> access.writable(c, who, id, "unlocking this user"))
        .compose(row -> store.record(who, "user-unlock", row.user().tenantId(), "user", id, Map.of("lockout", "lifted"))
            .compose(v -> Future.all(identity.throttle().unlock("pwd", row.user().username()),
                identity.throttle().unlock("otp", id))))
        .map(v -> Reply.noContent());
  }

  static void refuseIfManaged(IamWriteThrough source) {
    if (source.managesUsers()) {
      throw AdminError.conflict("MANAGED_EXTERNALLY", "users and groups are managed in " + source.sourceName()
          + "; change them there (sessions, lockouts, second factors, roles and bindings stay here)");
    }
  }

  private static void refuseSelf(AdminCaller who, String userId, String verb) {
    if (userId.equals(who.userId())) {
      throw AdminError.conflict("SELF_LOCKOUT", "you cannot " + verb + " your own account");
    }
  }
}
