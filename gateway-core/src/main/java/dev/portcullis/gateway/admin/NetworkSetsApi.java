package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.admin.AdminHttp.Reply;
import dev.portcullis.gateway.identity.store.Directory;
import dev.portcullis.plugin.net.Cidr;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code /admin/v1/network-sets}: the CIDRs of the network sets that {@code gateway.yaml} declares
 * {@code managed} (e.g. {@code networks: { office: managed }}), which route policies such as
 * {@code ip-allowlist} name. Routes serve every tenant, so changing a set needs
 * {@code iam:all-tenants}. A change reaches every instance's routes through a cluster topic.
 */
final class NetworkSetsApi {

  static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern CIDR_SHAPE = Pattern.compile("[0-9A-Fa-f:.]{2,45}(/\\d{1,3})?");

  private final AdminStore store;
  private final Runnable changed;

  /** @param changed tells every instance to re-read the sets */
  NetworkSetsApi(AdminStore store, Runnable changed) {
    this.store = store;
    this.changed = changed;
  }

  void mount(Router router, AdminHttp http) {
    String base = "/admin/v1/network-sets";
    http.on(router, HttpMethod.GET, base, Set.of("limit", "cursor"), (who, call) -> {
      requireGlobal(who, AdminPermissions.IAM_READ);
      return store.read(c -> store.directory().networkSets(c)).map(sets -> Reply.ok(AdminHttp.pageOf(sets,
          Directory.NetworkSet::name, AdminJson::networkSet, call)));
    });
    http.on(router, HttpMethod.GET, base + "/:name", Set.of(), (who, call) -> {
      requireGlobal(who, AdminPermissions.IAM_READ);
      return store.read(c -> store.directory().networkSet(c, call.path("name"))
          .orElseThrow(() -> AdminError.notFound("network set " + call.path("name"))))
          .map(set -> Reply.ok(AdminJson.networkSet(set), set.version()));
    });
    http.on(router, HttpMethod.PUT, base + "/:name", Set.of(), this::put);
    http.on(router, HttpMethod.DELETE, base + "/:name", Set.of(), this::delete);
  }

  /** Creates the set (no If-Match) or replaces it (If-Match with the version last read). */
  private Future<Reply> put(AdminCaller who, AdminHttp.Call call) {
    requireWriter(who);
    String name = call.path("name");
    if (!NAME.matcher(name).matches()) {
      throw AdminError.invalid("name", "must be 1–64 letters, digits, '-' and '_'");
    }
    AdminHttp.Body body = call.body(Set.of("description", "cidrs"));
    String description = body.string("description", false, 500);
    List<String> cidrs = new ArrayList<>();
    List<String> given = body.strings("cidrs", true, 500, CIDR_SHAPE, "a CIDR such as 192.0.2.0/24 or 2001:db8::/32");
    for (int i = 0; i < given.size(); i++) {
      try {
        cidrs.add(Cidr.parse(given.get(i)).toString());
      } catch (IllegalArgumentException e) {
        throw AdminError.invalid("cidrs[" + i + "]", e.getMessage());
      }
    }
    Integer version = call.optionalIfMatch();
    return store.change(who, (c, journal) -> {
      var existing = store.directory().networkSet(c, name);
      if (version == null && existing.isPresent()) {
        throw AdminError.conflict("CONFLICT", "network set '" + name + "' exists; send If-Match with its ETag to "
            + "replace it");
      }
      if (version != null && existing.isEmpty()) {
        throw AdminError.notFound("network set " + name);
      }
      Directory.NetworkSet stored = store.directory().putNetworkSet(c, name, description, cidrs, version,
          who.subject()).orElseThrow(() -> AdminError.preconditionFailed("network set " + name,
          existing.get().version()));
      journal.record(existing.isEmpty() ? "network-set-create" : "network-set-update", null, "network-set", name,
          Map.of("cidrs", String.join(" ", cidrs)));
      return stored;
    }).map(stored -> {
      changed.run();
      return new Reply(version == null ? 201 : 200, AdminJson.networkSet(stored), stored.version());
    });
  }

  private Future<Reply> delete(AdminCaller who, AdminHttp.Call call) {
    requireWriter(who);
    String name = call.path("name");
    Integer version = call.optionalIfMatch();
    return store.change(who, (c, journal) -> {
      Directory.NetworkSet existing = store.directory().networkSet(c, name)
          .orElseThrow(() -> AdminError.notFound("network set " + name));
      if (!store.directory().deleteNetworkSet(c, name, version)) {
        throw AdminError.preconditionFailed("network set " + name, existing.version());
      }
      journal.record("network-set-delete", null, "network-set", name, Map.of());
      return null;
    }).map(v -> {
      changed.run();
      return Reply.noContent();
    });
  }

  private static void requireWriter(AdminCaller who) {
    requireGlobal(who, AdminPermissions.IAM_WRITE);
  }

  /** Sets serve every tenant's routes (and may name a customer's networks): global admins only. */
  private static void requireGlobal(AdminCaller who, String permission) {
    who.require(permission);
    if (!who.allTenants()) {
      throw AdminError.forbidden("PERMISSION_REQUIRED", "network sets serve every tenant: this needs "
          + AdminPermissions.IAM_ALL_TENANTS + " in the system tenant");
    }
  }
}
