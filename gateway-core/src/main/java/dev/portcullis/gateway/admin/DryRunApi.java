package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.admin.AdminHttp.Reply;
import dev.portcullis.gateway.identity.IdentityServices;
import dev.portcullis.gateway.net.PathNormalizer;
import dev.portcullis.gateway.pipeline.RequestPipeline;
import dev.portcullis.gateway.pipeline.RouteTable;
import dev.portcullis.gateway.policy.DryRunPolicyContext;
import dev.portcullis.gateway.policy.PolicyChain;
import dev.portcullis.gateway.policy.Verdict;
import dev.portcullis.plugin.Decision;
import dev.portcullis.plugin.Identity;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * {@code POST /admin/v1/dry-run}: would this user be let through on this request now, and which
 * policy decides? Runs the route's real policy chain of the running configuration on an imagined
 * request (nothing forwarded, nothing journaled but the dry run itself), and lists what each
 * policy would say. Needs {@code iam:read} in the user's tenant (the answer reveals their rights).
 */
final class DryRunApi {

  private static final Pattern METHOD = Pattern.compile("[A-Z]{3,7}");
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}(:\\d{1,5})?");
  private static final Pattern METHODS = Pattern.compile("pwd|sso|otp|rc|api-token|mfa|hwk|swk");
  private static final Set<String> FIELDS = Set.of("user", "method", "path", "host", "route", "clientAddress",
      "authMethods");

  private final AdminStore store;
  private final IdentityServices identity;
  private final Supplier<RequestPipeline> pipeline;
  private final Vertx vertx;
  private final Clock clock;

  DryRunApi(AdminStore store, IdentityServices identity, Supplier<RequestPipeline> pipeline, Vertx vertx,
      Clock clock) {
    this.store = store;
    this.identity = identity;
    this.pipeline = pipeline;
    this.vertx = vertx;
    this.clock = clock;
  }

  void mount(Router router, AdminHttp http) {
    http.on(router, HttpMethod.POST, "/admin/v1/dry-run", Set.of(), this::dryRun);
  }

  private Future<Reply> dryRun(AdminCaller who, AdminHttp.Call call) {
    AdminHttp.Body body = call.body(FIELDS);
    String user = body.string("user", true, 128);
    String method = body.string("method", false, METHOD, "an HTTP method such as GET");
    String rawPath = body.string("path", true, 4096);
    String host = body.string("host", false, HOST, "a host name");
    String routeId = body.string("route", false, 64);
    String client = body.string("clientAddress", false, 64);
    List<String> methods = body.strings("authMethods", false, 8, METHODS, "one of pwd, sso, otp, rc, api-token, mfa, "
        + "hwk, swk");
    if (client != null && dev.portcullis.plugin.net.IpAddresses.parse(client) == null) {
      throw AdminError.invalid("clientAddress", "must be an IPv4 or IPv6 address");
    }
    RequestPipeline current = pipeline.get();
    String path;
    try {
      path = current.normalizer().normalize(rawPath);
    } catch (PathNormalizer.RejectedPathException e) {
      throw AdminError.invalid("path", e.getMessage());
    }
    String verb = method == null ? "GET" : method;
    String hostName = host == null ? "" : host.replaceFirst(":\\d+$", "").toLowerCase(Locale.ROOT);
    return store.read(c -> {
      var found = store.directory().user(c, user);
      var row = (found.isPresent() ? found : store.directory().userByUsername(c, user))
          .orElseThrow(() -> AdminError.invalid("user", "no user has the id or username '" + user + "'"));
      who.require(AdminPermissions.IAM_READ, row.user().tenantId());
      return row.user().id();
    }).compose(userId -> {
      Instant now = clock.instant();
      Map<String, Instant> amr = new LinkedHashMap<>();
      (methods == null ? List.of("pwd") : methods).forEach(m -> amr.put(m, now));
      return identity.resolver().resolve(userId, amr, null).compose(subject -> {
        RouteTable.CompiledRoute route = route(current, routeId, hostName, path, verb);
        JsonObject answer = new JsonObject().put("user", userId).put("method", verb).put("path", path)
            .put("identity", subject == null ? null : identityJson(subject));
        if (route == null) {
          return Future.succeededFuture(answer.put("route", null).put("decision", "no-route").put("status", 404)
              .put("key", "ROUTE_NOT_FOUND").put("decidedBy", null).put("policies", new JsonArray()));
        }
        answer.put("route", route.id()).put("routeMatches", route.matches(hostName, path, verb));
        if (subject == null) {
          return Future.succeededFuture(answer.put("decision", "deny").put("status", 401)
              .put("key", "ACCOUNT_DISABLED").put("decidedBy", null).put("policies", new JsonArray()));
        }
        return explain(route, subject, verb, path, hostName, client).map(answer::mergeIn);
      });
    }).compose(answer -> store.record(who, "dry-run", answer.getJsonObject("identity") == null ? null
        : answer.getJsonObject("identity").getString("tenant"), "user", answer.getString("user"), Map.of("route",
        String.valueOf(answer.getString("route")), "method", verb, "path", path, "decision",
        answer.getString("decision"))).map(v -> Reply.ok(answer)));
  }

  private static RouteTable.CompiledRoute route(RequestPipeline current, String routeId, String host, String path,
      String method) {
    if (routeId == null) {
      return current.routes().match(host, path, method);
    }
    RouteTable.CompiledRoute named = current.routes().byId(routeId);
    if (named == null) {
      throw AdminError.invalid("route", "no route has the id '" + routeId + "'");
    }
    return named;
  }

  /** The chain's verdict, and what each policy would say on its own. */
  private Future<JsonObject> explain(RouteTable.CompiledRoute route, Identity subject, String method, String path,
      String host, String client) {
    PolicyChain chain = route.chain();
    if (chain.isEmpty()) {
      return Future.succeededFuture(new JsonObject().put("decision", "allow").put("status", 200).put("key", null)
          .put("decidedBy", null).put("policies", new JsonArray()).put("note", "a public route: no policies"));
    }
    DryRunPolicyContext context = new DryRunPolicyContext(method, path, host, client == null ? "" : client, subject,
        route.id(), clock, vertx);
    List<Future<JsonObject>> each = new ArrayList<>();
    for (PolicyChain.Link link : chain.links()) {
      DryRunPolicyContext own = new DryRunPolicyContext(method, path, host, client == null ? "" : client, subject,
          route.id(), clock, vertx);
      Future<Decision> decided;
      try {
        decided = link.policy().evaluate(own);
      } catch (RuntimeException e) {
        decided = Future.failedFuture(e);
      }
      each.add(decided.transform(ar -> Future.succeededFuture(policyJson(link, ar.succeeded() ? ar.result() : null,
          own))));
    }
    return Future.join(each).transform(all -> chain.evaluate(context).map(verdict -> {
      JsonArray policies = new JsonArray();
      each.forEach(f -> policies.add(f.result()));
      JsonObject out = verdictJson(verdict).put("policies", policies);
      JsonArray events = new JsonArray();
      context.events().forEach(e -> events.add(new JsonObject().put("name", e.name())
          .put("details", new JsonObject(new LinkedHashMap<>(e.details())))));
      return out.put("events", events);
    }));
  }

  private static JsonObject verdictJson(Verdict verdict) {
    JsonObject out = new JsonObject().put("decidedBy", verdict.policyId());
    return switch (verdict.kind()) {
      case ALLOW -> out.put("decision", "allow").put("status", 200).put("key", null);
      case DENY -> {
        Decision.Deny deny = (Decision.Deny) verdict.decision();
        yield out.put("decision", "deny").put("status", deny.status()).put("key", deny.key());
      }
      case CHALLENGE -> {
        Decision.Challenge challenge = (Decision.Challenge) verdict.decision();
        yield out.put("decision", "challenge").put("status", 401).put("key", challenge.kind()
            .toUpperCase(Locale.ROOT) + "_REQUIRED");
      }
      case NOBODY_ALLOWED -> out.put("decision", "deny").put("status", 403).put("key", "ACCESS_DENIED");
      case ERROR -> out.put("decision", "error").put("status", 503).put("key", "POLICY_ERROR");
    };
  }

  private static JsonObject policyJson(PolicyChain.Link link, Decision decision, DryRunPolicyContext context) {
    JsonObject out = new JsonObject().put("policy", link.policyId()).put("mode", link.shadow() ? "shadow" : "enforce");
    if (decision == null) {
      return out.put("decision", "error");
    }
    if (decision instanceof Decision.Allow) {
      return out.put("decision", "allow");
    }
    if (decision instanceof Decision.Deny deny) {
      return out.put("decision", "deny").put("status", deny.status()).put("key", deny.key())
          .put("message", deny.message());
    }
    if (decision instanceof Decision.Challenge challenge) {
      return out.put("decision", "challenge").put("kind", challenge.kind()).put("message", challenge.hint());
    }
    return out.put("decision", "abstain");
  }

  private static JsonObject identityJson(Identity subject) {
    return new JsonObject().put("subject", subject.subject()).put("tenant", subject.tenant())
        .put("roles", new JsonArray(new ArrayList<>(new java.util.TreeSet<>(subject.roles()))))
        .put("permissions", new JsonArray(new ArrayList<>(new java.util.TreeSet<>(subject.permissions()))));
  }
}
