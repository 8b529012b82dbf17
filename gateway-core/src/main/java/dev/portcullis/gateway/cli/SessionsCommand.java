package dev.portcullis.gateway.cli;

import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** {@code portcullis sessions list|revoke}. */
@Command(name = "sessions", description = "See and end users' sessions.",
    subcommands = {SessionsCommand.List.class, SessionsCommand.Revoke.class})
final class SessionsCommand extends CommandGroup {

  /** {@code GET /admin/v1/users/{id}/sessions}. */
  @Command(name = "list", sortOptions = false,
      description = "List a user's live sessions on every instance, by reference (GET /admin/v1/users/{id}/sessions)"
          + ": one line per session with its reference, creation, expiry and sign-in methods.")
  static final class List extends AdminCommand {

    @Option(names = "--user", paramLabel = "USER", required = true, description = "a username or user id")
    String user;

    List(Cli cli) {
      super(cli);
    }

    @Override
    int run() {
      user("--user", user);
      AdminApiClient.Reply reply = api().get("/admin/v1/users/" + api().userId(user) + "/sessions");
      if (json) {
        return printJson(reply);
      }
      for (Object item : reply.json().getJsonArray("items")) {
        JsonObject session = (JsonObject) item;
        out().println(session.getString("ref") + "  created " + session.getString("createdAt") + "  expires "
            + session.getString("expiresAt") + "  " + String.join(",", session.getJsonObject("methods").fieldNames()));
      }
      return Cli.OK;
    }
  }

  /** {@code DELETE /admin/v1/users/{id}/sessions[/{ref}]}. */
  @Command(name = "revoke", sortOptions = false,
      description = "End a user's sessions (and sign-ins in progress) on every instance at once, or one session "
          + "(DELETE /admin/v1/users/{id}/sessions[/{ref}]).")
  static final class Revoke extends AdminCommand {

    @Option(names = "--user", paramLabel = "USER", required = true, description = "a username or user id")
    String user;

    @Option(names = "--session", paramLabel = "REF",
        description = "only this session (a reference from 'portcullis sessions list'; default: all)")
    String session;

    Revoke(Cli cli) {
      super(cli);
    }

    @Override
    int run() {
      user("--user", user);
      if (session != null && !session.matches("[A-Za-z0-9_-]{1,128}")) {
        throw invalid("--session: '" + session + "' is not a session reference");
      }
      String id = api().userId(user);
      String path = "/admin/v1/users/" + id + "/sessions"
          + (session == null ? "" : "/" + URLEncoder.encode(session, StandardCharsets.UTF_8));
      AdminApiClient.Reply reply = api().delete(path);
      if (json) {
        return printJson(reply);
      }
      out().println(session == null ? "revoked every session of user " + user
          : "revoked session " + session + " of user " + user);
      return Cli.OK;
    }
  }
}
