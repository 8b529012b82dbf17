package dev.portcullis.gateway.identity.keycloak;

import dev.portcullis.gateway.config.IdentityConfig;
import dev.portcullis.gateway.identity.store.IamException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import jakarta.ws.rs.client.Client;
import org.keycloak.OAuth2Constants;
import org.keycloak.admin.client.JacksonProvider;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.KeycloakBuilder;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.admin.client.spi.ResteasyClientClassicProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The gateway's session with one Keycloak realm's admin REST API: the Keycloak admin client (RESTEasy
 * on Apache HttpClient) authenticated with the client-credentials grant, the configured timeout on
 * every connection and read, a Resilience4j circuit breaker in front of every call and a retry
 * around reads. Failures come out as IamExceptions (see KeycloakFailures). Every method blocks:
 * call it on a worker.
 */
public final class KeycloakConnection implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KeycloakConnection.class);

  private final Keycloak keycloak;
  private final RealmResource realm;
  private final CircuitBreaker breaker;
  private final Retry retry;
  private final KeycloakFailures failures;
  private final String url;

  public KeycloakConnection(IdentityConfig.Keycloak config) {
    this.url = config.url().toString();
    this.failures = new KeycloakFailures(url, config.realm(), config.clientId(), config.timeout());
    long timeoutMs = config.timeout().toMillis();
    var builder = ResteasyClientClassicProvider.createClientBuilder()
        .connectTimeout(timeoutMs, TimeUnit.MILLISECONDS)
        .readTimeout(timeoutMs, TimeUnit.MILLISECONDS)
        .connectionCheckoutTimeout(timeoutMs, TimeUnit.MILLISECONDS)
        .connectionPoolSize(4);
    builder.register(JacksonProvider.class, 100);
    if (config.caFile() != null) {
      builder.sslContext(trusting(config.caFile()));
    }
    Client client = builder.build();
    this.keycloak = KeycloakBuilder.builder().serverUrl(url).realm(config.realm())
        .grantType(OAuth2Constants.CLIENT_CREDENTIALS).clientId(config.clientId())
        .clientSecret(config.clientSecret()).resteasyClient(client).build();
    this.realm = keycloak.realm(config.realm());
    this.breaker = CircuitBreaker.of("keycloak", CircuitBreakerConfig.custom()
        // open after five failed calls in a row (a read is up to three): a success in between keeps it closed
        .failureRateThreshold(100)
        .slidingWindowSize(5)
        .minimumNumberOfCalls(5)
        .waitDurationInOpenState(Duration.ofSeconds(15))
        .permittedNumberOfCallsInHalfOpenState(1)
        .recordException(KeycloakFailures::transientFailure)
        .build());
    breaker.getEventPublisher().onStateTransition(e -> LOG.info("Calls to Keycloak at {}: circuit breaker {}", url,
        e.getStateTransition()));
    this.retry = Retry.of("keycloak-reads", RetryConfig.custom()
        .maxAttempts(3)
        .intervalFunction(IntervalFunction.ofExponentialBackoff(Duration.ofMillis(250), 2))
        .retryOnException(KeycloakFailures::transientFailure)
        .build());
  }

  /** The server's base URL, for messages. */
  public String url() {
    return url;
  }

  /**
   * A read (idempotent): tried up to three times when Keycloak cannot be reached or answers 5xx.
   *
   * @param what names what is read, for the error message ("the realm's users")
   */
  public <T> T read(String what, Function<RealmResource, T> call) {
    return run(what, Retry.decorateSupplier(retry, guarded(call)));
  }

  /** A change: tried once (the caller decides whether to try again). */
  public <T> T write(String what, Function<RealmResource, T> call) {
    return run(what, guarded(call));
  }

  /** A change without a result. */
  public void change(String what, java.util.function.Consumer<RealmResource> call) {
    write(what, r -> {
      call.accept(r);
      return null;
    });
  }

  private <T> Supplier<T> guarded(Function<RealmResource, T> call) {
    return CircuitBreaker.decorateSupplier(breaker, () -> {
      token();
      return call.apply(realm);
    });
  }

  /** A valid access token first (cached by the admin client until shortly before it expires). */
  private void token() {
    try {
      keycloak.tokenManager().getAccessTokenString();
    } catch (RuntimeException e) {
      throw new KeycloakFailures.TokenFailure(e);
    }
  }

  private <T> T run(String what, Supplier<T> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      throw failures.translate(e, what);
    }
  }

  private static SSLContext trusting(Path caFile) {
    try (InputStream in = Files.newInputStream(caFile)) {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      int i = 0;
      for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        trust.setCertificateEntry("ca-" + i++, certificate);
      }
      if (i == 0) {
        throw new IamException(IamException.Kind.INVALID, "identity.keycloak.caFile " + caFile
            + " holds no PEM certificate");
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IamException(IamException.Kind.INVALID, "cannot read identity.keycloak.caFile " + caFile + ": "
          + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    keycloak.close();
  }
}
