package dev.portcullis.gateway.identity.portal;

import dev.portcullis.gateway.cluster.ClusterFutures;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.map.IMap;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.portcullis.gateway.cluster.ClusterNode;
import dev.portcullis.gateway.config.IdentityConfig;
import dev.portcullis.gateway.identity.GatewayCookies;
import dev.portcullis.gateway.identity.Iam;
import dev.portcullis.gateway.identity.Secrets;
import dev.portcullis.gateway.identity.store.User;
import dev.portcullis.gateway.identity.token.HttpFetch;
import dev.portcullis.gateway.identity.token.InvalidTokenException;
import dev.portcullis.gateway.identity.token.JwtValidator;
import dev.portcullis.gateway.identity.token.KeySource;
import dev.portcullis.gateway.net.IdentityProviderUrls;
import dev.portcullis.gateway.pipeline.Exchange;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Single sign-on through external OpenID Connect providers: authorization code flow with PKCE
 * (S256), {@code state} bound to the browser by a cookie and kept once in the cluster (any
 * instance can finish a login another one started), {@code nonce} checked in the ID token, and the
 * ID token verified like any other token (JwtValidator: allowlisted algorithms, provider JWKS, iss,
 * aud = our client id, exp). The provider's user is mapped onto a local user by username in the
 * provider's tenant; with {@code provisionUsers} a missing one is created (without a password).
 *
 * <p>Written on the Vert.x HTTP client and Nimbus rather than vertx-auth-oauth2 so that ID tokens
 * pass through the same validator, JWKS cache and attack tests as bearer tokens.
 */
public final class OidcLogin {

  private static final Logger LOG = LoggerFactory.getLogger(OidcLogin.class);
  private static final Duration STATE_TTL = Duration.ofMinutes(10);

  private record Provider(IdentityConfig.OidcProvider config, KeySource keys, JwtValidator validator,
      HttpFetch http) {
  }

  private final Map<String, Provider> providers = new LinkedHashMap<>();
  private final IMap<String, HazelcastJsonValue> states;
  private final Iam iam;
  private final Vertx vertx;

  public OidcLogin(Vertx vertx, List<IdentityConfig.OidcProvider> configs, HazelcastInstance hazelcast, Iam iam,
      Clock clock) {
    this.iam = iam;
    this.vertx = vertx;
    this.states = hazelcast.getMap(ClusterNode.OIDC_STATES);
    for (IdentityConfig.OidcProvider config : configs) {
      HttpFetch http = new HttpFetch(vertx, config.caFile(), Duration.ofSeconds(10));
      KeySource keys = new KeySource(config.id(), config.issuer(), null, http, Duration.ofMinutes(1),
          Duration.ofMinutes(10), clock);
      providers.put(config.id(), new Provider(config, keys,
          new JwtValidator(config.issuer(), Set.of(config.clientId()), config.algorithms(), Duration.ofSeconds(60),
              keys, clock), http));
    }
  }

  /** {id, display name} of each provider, for the login page. */
  List<String[]> providers() {
    List<String[]> out = new ArrayList<>();
    providers.values().forEach(p -> out.add(new String[] {p.config().id(), p.config().displayName()}));
    return out;
  }

  boolean serves(String path) {
    return path.startsWith("/.portcullis/oidc/");
  }

  void handle(Exchange exchange, LoginPortal portal) {
    String[] parts = exchange.path().substring("/.portcullis/oidc/".length()).split("/", -1);
    Provider provider = parts.length == 2 ? providers.get(parts[0]) : null;
    if (provider == null || !(parts[1].equals("start") || parts[1].equals("callback"))) {
      portal.error(exchange, 404, "Not found", "There is no such sign-in provider.");
      return;
    }
    if (parts[1].equals("start")) {
      start(exchange, portal, provider);
    } else {
      callback(exchange, portal, provider);
    }
  }

  private void start(Exchange exchange, LoginPortal portal, Provider provider) {
    HttpServerRequest request = exchange.request();
    String target = portal.validReturn(LoginPortal.queryParam(request, "rd"), exchange.host());
    if (target == null) {
      portal.error(exchange, 400, "Unsafe return address",
          "The page you came from asked to be sent to an address this gateway does not serve.");
      return;
    }
    String state = Secrets.random256();
    String nonce = Secrets.random256();
    String verifier = Secrets.random256();
    String redirectUri = redirectUri(request, provider);
    JsonObject saved = new JsonObject().put("provider", provider.config().id()).put("nonce", nonce)
        .put("verifier", verifier).put("rd", target).put("redirectUri", redirectUri);
    provider.keys().discovery().map(OidcLogin::checkedEndpoints).compose(doc -> ClusterFutures.onContext(states.setAsync(Secrets.sha256(state),
        new HazelcastJsonValue(saved.encode()), STATE_TTL.toMillis(), TimeUnit.MILLISECONDS),
        vertx).map(v -> doc))
        .onSuccess(doc -> {
          String authorize = doc.getString("authorization_endpoint")
              + (doc.getString("authorization_endpoint").contains("?") ? "&" : "?")
              + "response_type=code"
              + "&client_id=" + enc(provider.config().clientId())
              + "&redirect_uri=" + enc(redirectUri)
              + "&scope=" + enc(String.join(" ", provider.config().scopes()))
              + "&state=" + enc(state)
              + "&nonce=" + enc(nonce)
              + "&code_challenge=" + enc(challenge(verifier))
              + "&code_challenge_method=S256";
          PortalResponse.redirect(request, 302, authorize, List.of(
              PortalResponse.cookie(GatewayCookies.OIDC, state, "Lax", STATE_TTL.toSeconds())));
        })
        .onFailure(err -> portal.unavailable(exchange, err));
  }

  private void callback(Exchange exchange, LoginPortal portal, Provider provider) {
    HttpServerRequest request = exchange.request();
    String state = LoginPortal.queryParam(request, "state");
    String code = LoginPortal.queryParam(request, "code");
    String error = LoginPortal.queryParam(request, "error");
    String cookie = GatewayCookies.value(request, GatewayCookies.OIDC);
    if (state == null || !Secrets.constantTimeEquals(state, cookie)) {
      portal.error(exchange, 400, "Sign-in failed", "This sign-in did not start in this browser, or it "
          + "took too long. Start again.");
      return;
    }
    ClusterFutures.onContext(states.removeAsync(Secrets.sha256(state)), vertx)
        .compose(saved -> {
          if (saved == null) {
            portal.error(exchange, 400, "Sign-in failed", "This sign-in was already used or took too long. "
                + "Start again.");
            return Future.succeededFuture();
          }
          JsonObject s = new JsonObject(saved.getValue());
          if (!provider.config().id().equals(s.getString("provider"))) {
            portal.error(exchange, 400, "Sign-in failed", "This sign-in was started with another provider.");
            return Future.succeededFuture();
          }
          if (error != null || code == null) {
            portal.counted("sso", "failure");
            portal.refusedSignIn(exchange, "auth.failure", null, null, "sso", "provider-refused");
            LOG.info("OIDC provider '{}' refused a sign-in: {}", provider.config().id(), printable(error));
            portal.error(exchange, 401, "Sign-in refused", provider.config().displayName()
                + " did not sign you in" + (error == null ? "." : " (" + printable(error) + ")."));
            return Future.succeededFuture();
          }
          return exchangeCode(provider, code, s)
              .compose(claims -> localUser(provider, claims))
              .compose(user -> {
                if (user.isEmpty()) {
                  portal.counted("sso", "failure");
                  portal.refusedSignIn(exchange, "auth.failure", null, null, "sso", "no-local-account");
                  portal.error(exchange, 403, "No account", "There is no active account here for the user "
                      + provider.config().displayName() + " signed you in as.");
                  return Future.succeededFuture();
                }
                return portal.startSession(exchange, user.get(), "sso", s.getString("rd"));
              })
              .recover(err -> {
                if (err instanceof InvalidTokenException) {
                  portal.counted("sso", "failure");
                  portal.refusedSignIn(exchange, "auth.failure", null, null, "sso", "invalid-id-token");
                  LOG.warn("OIDC sign-in through '{}' refused: {}", provider.config().id(), err.getMessage());
                  portal.error(exchange, 401, "Sign-in failed", "The answer from "
                      + provider.config().displayName() + " could not be verified.");
                  return Future.succeededFuture();
                }
                return Future.failedFuture(err);
              });
        })
        .onFailure(err -> portal.unavailable(exchange, err));
  }

  private Future<JWTClaimsSet> exchangeCode(Provider provider, String code, JsonObject saved) {
    IdentityConfig.OidcProvider config = provider.config();
    String basic = "Basic " + Base64.getEncoder().encodeToString((enc(config.clientId()) + ":"
        + enc(config.clientSecret())).getBytes(StandardCharsets.UTF_8));
    String form = "grant_type=authorization_code&code=" + enc(code) + "&redirect_uri="
        + enc(saved.getString("redirectUri")) + "&code_verifier=" + enc(saved.getString("verifier"));
    return provider.keys().discovery().map(OidcLogin::checkedEndpoints)
        .compose(doc -> provider.http().postForm(URI.create(doc.getString("token_endpoint")), form, basic))
        .compose(body -> {
          String idToken = body.toJsonObject().getString("id_token");
          if (idToken == null) {
            return Future.failedFuture(new InvalidTokenException("the token response has no id_token"));
          }
          return provider.validator().validate(idToken);
        })
        .map(claims -> {
          Object nonce = claims.getClaim("nonce");
          if (!(nonce instanceof String n) || !Secrets.constantTimeEquals(n, saved.getString("nonce"))) {
            throw new InvalidTokenException("the ID token's nonce does not match this sign-in");
          }
          List<String> aud = claims.getAudience();
          if (aud.size() > 1 && !config.clientId().equals(claims.getClaim("azp"))) {
            throw new InvalidTokenException("the ID token names several audiences but another authorized party");
          }
          return claims;
        });
  }

  /**
   * The local user for a provider's account. Accounts are linked by the provider's stable subject
   * ({@code sub}), never by its username, which many providers let users edit: a first sign-in may
   * link to an existing local account of that username only if the account is in the provider's
   * tenant, has no password of its own and no other subject of this provider (an SSO-only account
   * an admin prepared); otherwise it is provisioned when allowed, or refused.
   */
  private Future<Optional<User>> localUser(Provider provider, JWTClaimsSet claims) {
    IdentityConfig.OidcProvider config = provider.config();
    String subject = claims.getSubject();
    Object name = claims.getClaim(config.usernameClaim());
    if (subject == null || subject.isBlank()) {
      return Future.failedFuture(new InvalidTokenException("the ID token has no subject"));
    }
    if (!(name instanceof String username) || username.isBlank()) {
      return Future.failedFuture(new InvalidTokenException("the ID token has no '" + config.usernameClaim()
          + "' claim"));
    }
    return iam.blocking(() -> {
      var store = iam.store();
      Optional<User> linked = store.userByExternalIdentity(config.id(), subject);
      if (linked.isPresent()) {
        return linked.filter(u -> u.tenantId().equals(config.tenant()) && u.active());
      }
      Optional<User> named = store.userByUsername(username);
      if (named.isPresent()) {
        User user = named.get();
        if (!user.tenantId().equals(config.tenant()) || !user.active() || user.passwordHash() != null
            || store.hasExternalIdentity(config.id(), user.id())) {
          LOG.warn("OIDC provider '{}' signed in a new subject as '{}', which names a local account that is not "
              + "its to take; refused", config.id(), username);
          return Optional.<User>empty();
        }
        store.linkExternalIdentity(config.id(), subject, user.id());
        return named;
      }
      if (!config.provisionUsers()) {
        return Optional.<User>empty();
      }
      Object email = claims.getClaim("email");
      Object display = claims.getClaim("name");
      User created = store.createUser(config.tenant(), username, email instanceof String e ? e : null,
          display instanceof String d ? d : username, null);
      store.linkExternalIdentity(config.id(), subject, created.id());
      LOG.info("Provisioned user {} from OIDC provider '{}'", created.id(), config.id());
      return Optional.of(created);
    });
  }

  /**
   * The discovery document's endpoints, required to be there and to be https (plain http only on
   * loopback, for tests): the client secret and the code travel to the token endpoint.
   */
  private static JsonObject checkedEndpoints(JsonObject doc) {
    for (String name : new String[] {"authorization_endpoint", "token_endpoint"}) {
      String value = doc.getString(name);
      URI uri;
      try {
        uri = value == null ? null : URI.create(value);
      } catch (IllegalArgumentException e) {
        uri = null;
      }
      if (!IdentityProviderUrls.acceptable(uri)) {
        throw new IllegalStateException("the provider's discovery document has no usable https " + name);
      }
    }
    return doc;
  }

  /** At most 64 printable ASCII characters of a value the provider (or anyone) put in the URL. */
  private static String printable(String value) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < value.length() && out.length() < 64; i++) {
      char c = value.charAt(i);
      out.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return out.toString();
  }

  private static String redirectUri(HttpServerRequest request, Provider provider) {
    return "https://" + request.authority() + "/.portcullis/oidc/" + provider.config().id() + "/callback";
  }

  private static String challenge(String verifier) {
    try {
      return Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256")
          .digest(verifier.getBytes(StandardCharsets.US_ASCII)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  public Future<Void> close() {
    return Future.all(providers.values().stream().map(p -> p.http().close()).toList()).mapEmpty();
  }
}
