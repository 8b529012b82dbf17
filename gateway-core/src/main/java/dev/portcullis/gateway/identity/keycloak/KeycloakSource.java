package dev.portcullis.gateway.identity.keycloak;

import com.hazelcast.core.HazelcastInstance;
import dev.portcullis.gateway.audit.AuditLog;
import dev.portcullis.gateway.config.IdentityConfig;
import dev.portcullis.gateway.identity.Iam;
import dev.portcullis.gateway.identity.IamWriteThrough;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import javax.sql.DataSource;
import java.time.Clock;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@code identity.source: keycloak}, wired: the admin-client connection, the realm's reader and
 * writer, the sync and its timer, and the write-through the admin API calls. One per gateway process.
 */
public final class KeycloakSource {

  private final KeycloakConnection connection;
  private final KeycloakSync sync;
  private final KeycloakWriteThrough writeThrough;
  private final IdentityConfig.Keycloak config;

  private KeycloakSource(IdentityConfig.Keycloak config, KeycloakConnection connection, KeycloakSync sync,
      KeycloakWriteThrough writeThrough) {
    this.config = config;
    this.connection = connection;
    this.sync = sync;
    this.writeThrough = writeThrough;
  }

  /**
   * Builds everything (no call to Keycloak yet).
   *
   * @param revokeSignIns ends a user's sessions everywhere and journals it (IdentityServices)
   * @param metrics       where the sync's gauges go (null: none)
   */
  public static KeycloakSource create(Vertx vertx, IdentityConfig identity, Iam iam, DataSource db,
      HazelcastInstance hazelcast, AuditLog audit, Function<String, Future<Void>> revokeSignIns, MeterRegistry metrics,
      Clock clock) {
    IdentityConfig.Keycloak config = identity.keycloak();
    KeycloakConnection connection = new KeycloakConnection(config);
    MirrorStore store = new MirrorStore(db);
    KeycloakRoles roles = new KeycloakRoles(connection);
    KeycloakSync sync = new KeycloakSync(vertx, config.tenant(), config.realm(), config.refreshInterval(),
        config.timeout(), new KeycloakDirectory(connection), new RealmMirror(db), new MappingSweep(store, roles), iam,
        hazelcast, audit, revokeSignIns, signInProviders(identity), metrics, clock);
    return new KeycloakSource(config, connection, sync, new KeycloakWriteThrough(config.tenant(), roles, store, clock));
  }

  /** The {@code identity.oidc} providers that sign in against this realm for its tenant. */
  static Set<String> signInProviders(IdentityConfig identity) {
    IdentityConfig.Keycloak config = identity.keycloak();
    String issuer = config.url() + "/realms/" + config.realm();
    return identity.oidc().stream()
        .filter(p -> strip(p.issuer()).equals(issuer) && p.tenant().equals(config.tenant()))
        .map(IdentityConfig.OidcProvider::id).collect(Collectors.toUnmodifiableSet());
  }

  private static String strip(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  /**
   * Starts the sync: resolves after the first mirror, or after the call timeout when Keycloak is
   * slow or down (the gateway then starts with what was mirrored before). Never fails.
   */
  public Future<Void> start() {
    return sync.start(config.timeout());
  }

  public IamWriteThrough writeThrough() {
    return writeThrough;
  }

  public KeycloakSync sync() {
    return sync;
  }

  public Future<Void> close() {
    return sync.close().eventually(() -> {
      connection.close();
      return Future.succeededFuture();
    });
  }
}
