package dev.portcullis.gateway.cli;

import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** {@code portcullis user create}. */
@Command(name = "user", description = "Create users.",
    subcommands = UserCommand.Create.class)
final class UserCommand extends CommandGroup {

  /** {@code POST /admin/v1/users}; the password comes from standard input, never from an argument. */
  @Command(name = "create", sortOptions = false,
      description = {"Create a user (POST /admin/v1/users).",
          "Without --password-stdin the user has no password (sign-in by single sign-on only, or set one later)."})
  static final class Create extends AdminCommand {
    /** More than any password rule allows; stops an accidental pipe of a whole file. */
    private static final int MAX_PASSWORD = 4096;

    @Option(names = "--tenant", paramLabel = "TENANT", description = "the user's tenant (default: the token's own)")
    String tenant;

    @Option(names = "--username", paramLabel = "NAME", required = true, description = "the username (unique)")
    String username;

    @Option(names = "--email", paramLabel = "ADDRESS")
    String email;

    @Option(names = "--display-name", paramLabel = "TEXT")
    String displayName;

    @Option(names = "--password-stdin", description = "read the password from standard input (its first line)")
    boolean passwordStdin;

    Create(Cli cli) {
      super(cli);
    }

    @Override
    int run() {
      JsonObject body = new JsonObject().put("username", username);
      if (tenant != null) {
        body.put("tenant", tenant);
      }
      if (email != null) {
        body.put("email", email);
      }
      if (displayName != null) {
        body.put("displayName", displayName);
      }
      if (passwordStdin) {
        body.put("password", password(cli.environment().stdin()));
      }
      AdminApiClient.Reply reply = api().post("/admin/v1/users", body);
      if (json) {
        return printJson(reply);
      }
      JsonObject user = reply.json();
      out().println("created user " + user.getString("username") + " in tenant " + user.getString("tenant") + ": id "
          + user.getString("id") + (user.getBoolean("hasPassword", false) ? "" : " (no password)"));
      return Cli.OK;
    }

    private String password(InputStream in) {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      try {
        for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
          if (line.size() >= MAX_PASSWORD) {
            throw invalid("--password-stdin: the first line of standard input is longer than " + MAX_PASSWORD
                + " bytes");
          }
          line.write(b);
        }
      } catch (IOException e) {
        throw CliFailure.failed("cannot read the password from standard input: " + e.getMessage());
      }
      String password = line.toString(StandardCharsets.UTF_8);
      if (password.endsWith("\r")) {
        password = password.substring(0, password.length() - 1);
      }
      if (password.isEmpty()) {
        throw invalid("--password-stdin: standard input holds no password (pipe it in, e.g. "
            + "printf '%s\\n' \"$PASSWORD\" | portcullis user create … --password-stdin)");
      }
      return password;
    }
  }
}
