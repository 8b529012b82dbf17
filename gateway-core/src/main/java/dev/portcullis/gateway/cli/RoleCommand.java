package dev.portcullis.gateway.cli;

import io.vertx.core.json.JsonObject;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.time.Instant;

/** {@code portcullis role bind}. */
@Command(name = "role", 
    description = "Bind roles to users or groups, optionally for a time window.", subcommands = RoleCommand.Bind.class)
final class RoleCommand extends CommandGroup {

  /** {@code POST /admin/v1/bindings}, optionally for a time window. */
  @Command(name = "bind", sortOptions = false,
      description = {"Bind a role of the holder's tenant to a user or a group (POST /admin/v1/bindings), optionally "
          + "only for a time window: the gateway stops granting it at --valid-until (or after --for), on every "
          + "instance, without anyone having to remember."})
  static final class Bind extends AdminCommand {

    @Option(names = "--role", paramLabel = "NAME", required = true, description = "the role's name, e.g. "
        + "records-reader")
    String role;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Holder holder;

    @Option(names = "--reason", paramLabel = "TEXT", required = true,
        description = "why (kept with the binding and in the audit journal)")
    String reason;

    @Option(names = "--valid-from", paramLabel = "INSTANT", converter = IsoInstant.class,
        description = "the binding grants from then on (ISO 8601, e.g. 2026-03-01T08:00:00Z; default: now)")
    Instant validFrom;

    @ArgGroup(exclusive = true)
    Until until;

    static final class Holder {
      @Option(names = "--user", paramLabel = "USER", required = true, description = "a username or user id")
      String user;

      @Option(names = "--group", paramLabel = "ID", required = true, description = "a group id")
      String group;
    }

    static final class Until {
      @Option(names = "--valid-until", paramLabel = "INSTANT", required = true, converter = IsoInstant.class,
          description = "the binding stops granting then (ISO 8601)")
      Instant validUntil;

      @Option(names = "--for", paramLabel = "DURATION", required = true, converter = PositiveDuration.class,
          description = "the binding stops granting this long after --valid-from (or now): 30m, 8h, 7d")
      Duration duration;
    }

    Bind(Cli cli) {
      super(cli);
    }

    @Override
    int run() {
      Instant now = cli.environment().clock().instant();
      Instant validUntil = null;
      if (until != null) {
        validUntil = until.validUntil != null ? until.validUntil
            : (validFrom != null ? validFrom : now).plus(until.duration);
      }
      if (validFrom != null && validUntil != null && !validFrom.isBefore(validUntil)) {
        throw invalid("--valid-from (" + validFrom + ") must be before --valid-until (" + validUntil + ")");
      }
      if (validUntil != null && !validUntil.isAfter(now)) {
        throw invalid("--valid-until (" + validUntil + ") is in the past");
      }
      if (holder.user != null) {
        user("--user", holder.user);
      }
      JsonObject body = new JsonObject().put("role", role).put("reason", reason);
      if (holder.user != null) {
        body.put("user", api().userId(holder.user));
      } else {
        body.put("group", holder.group);
      }
      if (validFrom != null) {
        body.put("validFrom", validFrom.toString());
      }
      if (validUntil != null) {
        body.put("validUntil", validUntil.toString());
      }
      AdminApiClient.Reply reply = api().post("/admin/v1/bindings", body);
      if (json) {
        return printJson(reply);
      }
      JsonObject binding = reply.json();
      String to = holder.user != null ? "user " + holder.user : "group " + holder.group;
      StringBuilder line = new StringBuilder("bound role " + binding.getString("role") + " to " + to);
      if (binding.getString("validFrom") != null) {
        line.append(" from ").append(binding.getString("validFrom"));
      }
      line.append(binding.getString("validUntil") != null ? " until " + binding.getString("validUntil")
          : " without end");
      line.append(binding.getBoolean("active", false) ? " (active now)" : " (not active yet)");
      line.append(": binding ").append(binding.getString("id"));
      out().println(line);
      return Cli.OK;
    }
  }
}
