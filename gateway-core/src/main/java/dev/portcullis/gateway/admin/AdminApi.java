package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.audit.AuditLog;
import dev.portcullis.gateway.identity.IamWriteThrough;
import dev.portcullis.gateway.identity.IdentityServices;
import dev.portcullis.gateway.identity.store.Directory;
import dev.portcullis.gateway.pipeline.Problem;
import dev.portcullis.gateway.pipeline.RequestPipeline;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The IAM part of the admin API under {@code /admin/v1} (the audit part is {@link AuditAdmin}),
 * described by the OpenAPI 3.1 document it serves at {@code /admin/v1/openapi.json}. Built once per
 * process; {@link #start} makes sure every tenant has the built-in admin roles and handles the
 * bootstrap token.
 */
public final class AdminApi {

  /** The environment variable that holds the bootstrap admin token. */
  public static final String BOOTSTRAP_ENV = AdminBootstrap.ENV;
  static final String OPENAPI_RESOURCE = "/dev/portcullis/gateway/admin/openapi.yaml";

  private final IdentityServices identity;
  private final AdminStore store;
  private final AdminAuth auth;
  private final AdminHttp http;
  private final BuiltinRoles builtins;
  private final AdminBootstrap bootstrap;
  private final UserAccess access;
  private final IamWriteThrough source;
  private final Supplier<RequestPipeline> pipeline;
  private final Runnable networkSetsChanged;
  private final Vertx vertx;
  private final Clock clock;
  private final String openApi;

  /**
   * @param source             where role and binding changes must also go (Keycloak), or NONE
   * @param pipeline           the running request pipeline (for the dry run)
   * @param networkSetsChanged tells every instance that a managed network set changed
   */
  public AdminApi(Vertx vertx, IdentityServices identity, AuditLog audit, Clock clock, IamWriteThrough source,
      Supplier<RequestPipeline> pipeline, Runnable networkSetsChanged) {
    this.vertx = vertx;
    this.identity = identity;
    this.clock = clock;
    this.source = source;
    this.pipeline = pipeline;
    this.networkSetsChanged = networkSetsChanged;
    Directory directory = new Directory(clock);
    this.store = new AdminStore(vertx, identity.iam(), identity.dataSource(), directory, audit);
    this.auth = new AdminAuth(identity, clock);
    this.http = new AdminHttp(auth);
    this.builtins = new BuiltinRoles(directory);
    this.bootstrap = new AdminBootstrap(identity.dataSource(), directory, builtins, audit, clock);
    this.access = new UserAccess(directory, clock);
    this.openApi = openApiJson().encode();
  }

  /** Built-in roles for every tenant, then the bootstrap token (if any). Resolves to whether it created one. */
  public Future<Boolean> start(String bootstrapToken) {
    return identity.iam().blocking(() -> {
      try {
        return prepare(bootstrapToken);
      } catch (dev.portcullis.gateway.identity.store.IamException e) {
        if (e.kind() != dev.portcullis.gateway.identity.store.IamException.Kind.CONFLICT) {
          throw e;
        }
        // instances starting together on one store: another one got there first; look again
        return prepare(bootstrapToken);
      }
    });
  }

  private boolean prepare(String bootstrapToken) {
    builtins.ensureAll(identity.dataSource()).forEach(identity.iam()::tenantChanged);
    return bootstrap.run(bootstrapToken);
  }

  /** Why {@code token} cannot be the bootstrap token, or null when it can (or is absent). */
  public static String bootstrapTokenProblem(String token) {
    return AdminBootstrap.problem(token);
  }

  /** Who checks the admin API's callers (the audit part shares it). */
  AdminAuth auth() {
    return auth;
  }

  public void mount(Router router) {
    router.route("/admin/v1/*").handler(BodyHandler.create(false).setBodyLimit(AdminHttp.MAX_BODY));
    router.errorHandler(413, ctx -> AdminHttp.fail(ctx, new AdminError(new Problem(413, "BODY_TOO_LARGE",
        "Payload too large", "admin request bodies are limited to " + AdminHttp.MAX_BODY + " bytes"))));
    router.get("/admin/v1/openapi.json").handler(ctx -> ctx.response().putHeader("Content-Type", "application/json")
        .end(openApi));
    http.on(router, HttpMethod.GET, "/admin/v1/me", Set.of(), (who, call) -> Future.succeededFuture(
        AdminHttp.Reply.ok(new JsonObject().put("subject", who.subject()).put("tenant", who.identity().tenant())
            .put("method", who.method())
            .put("roles", new JsonArray(new ArrayList<>(new TreeSet<>(who.identity().roles()))))
            .put("permissions", new JsonArray(new ArrayList<>(new TreeSet<>(who.identity().permissions())))))));
    new TenantsApi(store, builtins).mount(router, http);
    new UsersApi(store, access, identity, source).mount(router, http);
    new SessionsApi(store, access, identity).mount(router, http);
    new TokensApi(store, access, clock).mount(router, http);
    new GroupsApi(store, access, source, clock).mount(router, http);
    new RolesApi(store, access, source).mount(router, http);
    new BindingsApi(store, access, source, clock).mount(router, http);
    new AccessRequestsApi(store, identity.accessRequests()).mount(router, http);
    new NetworkSetsApi(store, networkSetsChanged).mount(router, http);
    new DryRunApi(store, identity, pipeline, vertx, clock).mount(router, http);
  }

  /** What no endpoint answers (an unknown path, a method an endpoint does not take) is a problem too. */
  public void mountFallbacks(Router router) {
    router.errorHandler(404, ctx -> AdminHttp.fail(ctx, new AdminError(new Problem(404, "NOT_FOUND", "Not found",
        "no admin endpoint at " + ctx.request().path() + "; see /admin/v1/openapi.json"))));
    router.errorHandler(405, ctx -> AdminHttp.fail(ctx, new AdminError(new Problem(405, "METHOD_NOT_ALLOWED",
        "Method not allowed", ctx.request().method() + " is not an operation of " + ctx.request().path()))));
  }

  /** The OpenAPI document (kept as YAML in the jar, served as JSON). */
  @SuppressWarnings("unchecked")
  public static JsonObject openApiJson() {
    try (InputStream in = AdminApi.class.getResourceAsStream(OPENAPI_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(OPENAPI_RESOURCE + " is missing from the jar");
      }
      Object yaml = new org.yaml.snakeyaml.Yaml().load(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      return new JsonObject((Map<String, Object>) yaml);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + OPENAPI_RESOURCE, e);
    }
  }
}
