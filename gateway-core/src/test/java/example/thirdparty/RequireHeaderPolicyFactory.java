package example.thirdparty;

import dev.portcullis.plugin.ConfigErrors;
import dev.portcullis.plugin.Decision;
import dev.portcullis.plugin.Policy;
import dev.portcullis.plugin.PolicyFactory;
import dev.portcullis.plugin.PolicySetup;
import io.vertx.core.Future;

import java.util.List;
import java.util.Set;

/**
 * An example third-party policy, written only against the SPI (the worked example of
 * plugins/README.md): allows a request whose header {@code header} has one of {@code values},
 * denies it otherwise. The plugin-loading test packages this class into a jar of its own.
 */
public final class RequireHeaderPolicyFactory implements PolicyFactory<RequireHeaderPolicyFactory.Config> {

  /** Options: {@code header} (required) and {@code values} (at least one). */
  public record Config(String header, List<String> values) {
  }

  @Override
  public String id() {
    return "require-header";
  }

  @Override
  public Class<Config> configType() {
    return Config.class;
  }

  @Override
  public List<Option> options() {
    return List.of(
        new Option("header", "string", "the request header to check", null),
        new Option("values", "list of strings", "accepted values (exact match)", null));
  }

  @Override
  public void validate(Config config, PolicySetup setup, ConfigErrors errors) {
    if (config.header() == null || config.header().isBlank()) {
      errors.add("header", "is required");
    }
    if (config.values() == null || config.values().isEmpty()) {
      errors.add("values", "needs at least one value");
    }
  }

  @Override
  public Policy create(Config config, PolicySetup setup) {
    Set<String> accepted = Set.copyOf(config.values());
    Future<Decision> deny = Future.succeededFuture(Decision.deny(403, "HEADER_REQUIRED",
        "this route needs the " + config.header() + " header"));
    Future<Decision> allow = Future.succeededFuture(Decision.allow());
    return context -> {
      String value = context.request().header(config.header());
      return value != null && accepted.contains(value) ? allow : deny;
    };
  }
}
