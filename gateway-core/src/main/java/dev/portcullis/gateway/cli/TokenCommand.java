package dev.portcullis.gateway.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.List;

/** {@code portcullis token create}. */
@Command(name = "token", description = "Create API tokens.",
    subcommands = TokenCommand.Create.class)
final class TokenCommand extends CommandGroup {

  /**
   * {@code POST /admin/v1/users/{id}/tokens}. The secret is shown once: it goes alone to standard output
   * (so it can be piped into a secret store), the description to standard error.
   */
  @Command(name = "create", sortOptions = false,
      description = {"Create an API token for a user (POST /admin/v1/users/{id}/tokens). The token acts for its "
          + "owner with the owner's permissions cut down to its scopes.",
          "Prints the secret (pcl_...) alone on standard output, once: the gateway keeps only its hash."})
  static final class Create extends AdminCommand {

    @Option(names = "--user", paramLabel = "USER", required = true, description = "the owner: a username or user id")
    String user;

    @Option(names = "--name", paramLabel = "NAME", required = true, description = "what the token is for, e.g. ci")
    String name;

    @Option(names = "--scope", paramLabel = "SCOPE", required = true,
        description = "a permission the token may use, e.g. records:read (repeat for more)")
    List<String> scopes;

    @Option(names = "--expires-in", paramLabel = "DURATION", converter = PositiveDuration.class,
        description = "lifetime: 30d, 12h… (default: the gateway's, 90 days; at most 366 days)")
    Duration expiresIn;

    Create(Cli cli) {
      super(cli);
    }

    @Override
    int run() {
      user("--user", user);
      JsonObject body = new JsonObject().put("name", name).put("scopes", new JsonArray(List.copyOf(scopes)));
      if (expiresIn != null) {
        body.put("expiresAt", cli.environment().clock().instant().plus(expiresIn).toString());
      }
      String id = api().userId(user);
      AdminApiClient.Reply reply = api().post("/admin/v1/users/" + id + "/tokens", body);
      if (json) {
        return printJson(reply);
      }
      JsonObject created = reply.json();
      JsonObject token = created.getJsonObject("token");
      out().println(created.getString("secret"));
      out().flush();
      err().println("token '" + token.getString("name") + "' (id " + token.getString("id") + ") for user " + user
          + ", scopes " + String.join(" ", token.getJsonArray("scopes").stream().map(String::valueOf).toList())
          + ", expires " + (token.getString("expiresAt") == null ? "never" : token.getString("expiresAt"))
          + ": the secret above is shown only this once");
      return Cli.OK;
    }
  }
}
