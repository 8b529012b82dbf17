package dev.portcullis.gateway.identity;

import dev.portcullis.gateway.identity.store.JdbcIamStore;
import dev.portcullis.gateway.identity.store.Role;
import dev.portcullis.gateway.identity.store.User;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;

/**
 * The quick start's demo data, written once into an empty store when {@code seedDemo: true}: two
 * tenants (acme, globex), a reader and an admin role in each, and one user per tenant. The
 * passwords are printed in the README: for trying the gateway out, never for production.
 */
public final class DemoSeed {

  private static final Logger LOG = LoggerFactory.getLogger(DemoSeed.class);
  public static final String DEMO_PASSWORD = "portcullis-demo";

  private DemoSeed() {
  }

  /** Seeds an empty store; does nothing to a store that has any tenant. Blocking. */
  public static boolean seedIfEmpty(JdbcIamStore store, PasswordHasher hasher) {
    if (!store.isEmpty()) {
      return false;
    }
    String hash = hasher.hash(DEMO_PASSWORD);
    seedTenant(store, "acme", "Acme Corporation", "demo", "Demo User", hash);
    seedTenant(store, "globex", "Globex Inc.", "globex-demo", "Globex Demo User", hash);
    LOG.warn("Seeded the DEMO tenants 'acme' and 'globex' with users 'demo' and 'globex-demo' (password '{}'). "
        + "For trying Portcullis out only: set identity.store.seedDemo to false in production.", "see README");
    return true;
  }

  private static void seedTenant(JdbcIamStore store, String tenant, String name, String username, String display,
      String hash) {
    store.createTenant(tenant, name);
    Role reader = store.createRole(tenant, "records-reader", "Reads the records service",
        Set.of("records:read"));
    store.createRole(tenant, "records-admin", "Reads and changes the records service",
        Set.of("records:read", "records:write"));
    User user = store.createUser(tenant, username, username + "@" + tenant + ".example", display, hash);
    store.bindRole(reader.id(), user.id(), null, null, null, "demo data", "seed");
  }
}
