package dev.portcullis.gateway.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;

/**
 * {@code portcullis dry-run}: would this user be allowed this request on this route now, and which
 * policy decides? ({@code POST /admin/v1/dry-run}: the running configuration's real policy chain on an
 * imagined request; nothing is forwarded.)
 */
@Command(name = "dry-run", sortOptions = false,
    description = {"Would a user be allowed a request now, and which policy decides?",
        "Runs the running gateway's real policy chain, on the route the request matches (or --route), on an "
            + "imagined request (POST /admin/v1/dry-run); nothing is forwarded.",
        "Prints the verdict, e.g. 'DENY 403 PERMISSION_MISSING on route records, decided by rbac', then one line "
            + "per policy.",
        "Exit status: 0 allowed; 1 denied, challenged or no route (or the gateway refused the dry run); 2 a policy "
            + "failed (the gateway would answer 503) or the gateway could not be asked."})
final class DryRunCommand extends AdminCommand {

  @Option(names = "--user", paramLabel = "USER", required = true, description = "a username or user id")
  String user;

  @Option(names = "--method", paramLabel = "METHOD", defaultValue = "GET", description = "default: GET")
  String method;

  @Option(names = "--path", paramLabel = "PATH", required = true, description = "e.g. /records/42")
  String path;

  @Option(names = "--route", paramLabel = "ROUTE", description = "evaluate this route (default: the one the request "
      + "matches)")
  String route;

  @Option(names = "--host", paramLabel = "HOST", description = "the request's host (for routes that match on it)")
  String host;

  @Option(names = "--client-address", paramLabel = "IP",
      description = "the client address the policies see (default: none, so address rules deny)")
  String clientAddress;

  @Option(names = "--auth-method", paramLabel = "METHOD", description = "a sign-in method proven just now: pwd, "
      + "sso, otp, rc, api-token, mfa, hwk, swk (repeat for more; default: pwd)")
  List<String> authMethods;

  DryRunCommand(Cli cli) {
    super(cli);
  }

  @Override
  int run() {
    user("--user", user);
    String verb = method.toUpperCase(Locale.ROOT);
    if (!verb.matches("[A-Z]{3,7}")) {
      throw invalid("--method: '" + method + "' is not an HTTP method");
    }
    if (!path.startsWith("/")) {
      throw invalid("--path must start with '/', got '" + path + "'");
    }
    JsonObject body = new JsonObject().put("user", user).put("method", verb).put("path", path);
    if (route != null) {
      body.put("route", route);
    }
    if (host != null) {
      body.put("host", host);
    }
    if (clientAddress != null) {
      body.put("clientAddress", clientAddress);
    }
    if (authMethods != null) {
      body.put("authMethods", new JsonArray(List.copyOf(authMethods)));
    }
    AdminApiClient.Reply reply = api().post("/admin/v1/dry-run", body);
    JsonObject verdict = reply.json();
    String decision = verdict.getString("decision", "error");
    if (json) {
      printJson(reply);
    } else {
      print(verdict, decision);
    }
    return switch (decision) {
      case "allow" -> Cli.OK;
      case "deny", "challenge", "no-route" -> Cli.REFUSED;
      default -> Cli.FAILED;
    };
  }

  private void print(JsonObject verdict, String decision) {
    StringBuilder line = new StringBuilder(decision.toUpperCase(Locale.ROOT)).append(' ')
        .append(verdict.getValue("status"));
    if (verdict.getString("key") != null) {
      line.append(' ').append(verdict.getString("key"));
    }
    if (verdict.getString("route") == null) {
      line.append(": no route matches ").append(verdict.getString("method")).append(' ')
          .append(verdict.getString("path"));
    } else {
      line.append(" on route ").append(verdict.getString("route"));
      if (verdict.getString("decidedBy") != null) {
        line.append(", decided by ").append(verdict.getString("decidedBy"));
      } else if ("allow".equals(decision)) {
        List<String> allowing = verdict.getJsonArray("policies", new JsonArray()).stream()
            .map(JsonObject.class::cast).filter(p -> "enforce".equals(p.getString("mode"))
                && "allow".equals(p.getString("decision"))).map(p -> p.getString("policy")).distinct().toList();
        line.append(allowing.isEmpty() ? "" : ", allowed by " + String.join(", ", allowing));
      }
    }
    out().println(line);
    if (Boolean.FALSE.equals(verdict.getBoolean("routeMatches"))) {
      out().println("  note: the request would not reach route " + verdict.getString("route") + " on its own");
    }
    if (verdict.getString("note") != null) {
      out().println("  note: " + verdict.getString("note"));
    }
    JsonObject identity = verdict.getJsonObject("identity");
    if (identity != null) {
      out().println("  user " + user + " (" + verdict.getString("user") + "), tenant " + identity.getString("tenant")
          + ", roles " + list(identity.getJsonArray("roles")) + ", permissions "
          + list(identity.getJsonArray("permissions")));
    }
    JsonArray policies = verdict.getJsonArray("policies", new JsonArray());
    for (Object item : policies) {
      JsonObject policy = (JsonObject) item;
      StringBuilder p = new StringBuilder("  ").append(policy.getString("policy"));
      if ("shadow".equals(policy.getString("mode"))) {
        p.append(" (shadow)");
      }
      p.append(": ").append(policy.getString("decision"));
      if (policy.getValue("status") != null) {
        p.append(' ').append(policy.getValue("status"));
      }
      if (policy.getString("key") != null) {
        p.append(' ').append(policy.getString("key"));
      }
      if (policy.getString("kind") != null) {
        p.append(" (").append(policy.getString("kind")).append(')');
      }
      if (policy.getString("message") != null) {
        p.append(" - ").append(policy.getString("message"));
      }
      out().println(p);
    }
  }

  private static String list(JsonArray values) {
    return values == null || values.isEmpty() ? "(none)" : String.join(" ", values.stream().map(String::valueOf)
        .toList());
  }
}
