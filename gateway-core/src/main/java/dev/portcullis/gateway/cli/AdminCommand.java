package dev.portcullis.gateway.cli;

import dev.portcullis.plugin.Durations;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * A command that calls the admin API: the connection options, {@code --json}, and what every such
 * command does around its own work — check the options before connecting, and with {@code --json} print
 * the gateway's answer (a refusal's problem document too) on standard output.
 */
abstract class AdminCommand implements Callable<Integer> {

  /** A username (as the admin API accepts them) or a user id. */
  private static final Pattern USER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}");

  final Cli cli;

  @Spec
  CommandSpec spec;

  @Mixin
  AdminOptions connection;

  @Mixin
  HelpOption help;

  @Option(names = "--json", order = 104, description = "print the gateway's JSON answer instead of text")
  boolean json;

  private AdminApiClient api;

  AdminCommand(Cli cli) {
    this.cli = cli;
  }

  /** Checks what can be checked locally (throwing a {@link ParameterException}), then calls the gateway. */
  abstract int run();

  @Override
  public final Integer call() {
    try {
      return run();
    } catch (CliFailure e) {
      if (json && e.document() != null) {
        out().println(e.document());
        out().flush();
      }
      throw e;
    }
  }

  /** The client, connected on first use (so local checks come first). */
  AdminApiClient api() {
    if (api == null) {
      api = connection.connect(cli, spec, err());
    }
    return api;
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** Prints the answer's body as the gateway sent it; for {@code --json}. */
  int printJson(AdminApiClient.Reply reply) {
    out().println(reply.body() == null || reply.body().isBlank() ? "{}" : reply.body());
    return Cli.OK;
  }

  ParameterException invalid(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  /** Checks the shape of a {@code --user} value before asking the gateway who it is. */
  String user(String option, String value) {
    if (!USER.matcher(value).matches()) {
      throw invalid(option + ": '" + value + "' is neither a username nor a user id");
    }
    return value;
  }

  /** {@code 30m}, {@code 8h}, {@code 7d}: the gateway's duration syntax, more than zero. */
  static final class PositiveDuration implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      Duration d = Durations.parse(value);
      if (d == null || d.isZero()) {
        throw new TypeConversionException("'" + value + "' is not a duration: a whole number and a unit, e.g. 90s, "
            + "30m, 8h, 7d");
      }
      return d;
    }
  }

  /** An ISO-8601 instant with a zone or offset: {@code 2026-03-01T08:00:00Z}, {@code 2026-03-01T09:00+01:00}. */
  static final class IsoInstant implements ITypeConverter<Instant> {
    @Override
    public Instant convert(String value) {
      try {
        return OffsetDateTime.parse(value).toInstant();
      } catch (DateTimeParseException e) {
        throw new TypeConversionException("'" + value + "' is not an instant: use ISO 8601 with a zone, e.g. "
            + "2026-03-01T08:00:00Z or 2026-03-01T09:00:00+01:00");
      }
    }
  }
}
