package dev.portcullis.gateway.identity.keycloak;

import dev.portcullis.gateway.identity.store.IamException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;

/**
 * Failures of calls to Keycloak turned into IamExceptions whose message says what is wrong, by the
 * type of the failure and the HTTP status (never by the text of a message). Messages name the
 * server, the realm and the client id; never the client secret or a token.
 */
final class KeycloakFailures {

  /** The realm-management roles the gateway's service account needs. */
  static final String REQUIRED_ROLES = "view-users, query-groups, view-realm, manage-users, manage-realm";

  private final String url;
  private final String realm;
  private final String clientId;
  private final Duration timeout;

  KeycloakFailures(String url, String realm, String clientId, Duration timeout) {
    this.url = url;
    this.realm = realm;
    this.clientId = clientId;
    this.timeout = timeout;
  }

  /** The token endpoint refused or failed: wraps what the admin client threw while getting a token. */
  static final class TokenFailure extends RuntimeException {
    TokenFailure(RuntimeException cause) {
      super(cause);
    }
  }

  /**
   * Whether trying again may help: no connection, no answer in time, or a 5xx. These count against
   * the circuit breaker and are retried on reads; a refusal (4xx) is not.
   */
  static boolean transientFailure(Throwable e) {
    Throwable t = e instanceof TokenFailure ? e.getCause() : e;
    WebApplicationException web = find(t, WebApplicationException.class);
    if (web != null && web.getResponse() != null) {
      return web.getResponse().getStatus() >= 500;
    }
    return find(t, IOException.class) != null || t instanceof ProcessingException;
  }

  /** The IamException for a failed call about {@code what} ("role 'auditor'", "the realm's users"). */
  IamException translate(RuntimeException e, String what) {
    if (e instanceof IamException known) {
      return known;
    }
    if (e instanceof CallNotPermittedException) {
      return unreachable("its last calls failed, so the gateway is not calling it for a while (circuit breaker "
          + "open)", e);
    }
    boolean token = e instanceof TokenFailure;
    Throwable t = token ? e.getCause() : e;
    WebApplicationException web = find(t, WebApplicationException.class);
    if (web != null && web.getResponse() != null) {
      int status = web.getResponse().getStatus();
      if (token && status == 404) {
        return new IamException(IamException.Kind.UNAVAILABLE, "Keycloak at " + url + " has no realm '" + realm
            + "' (HTTP 404 from its token endpoint)", e);
      }
      if (token && status >= 400 && status < 500) {
        return new IamException(IamException.Kind.UNAVAILABLE, "Keycloak refused the gateway's admin client "
            + "credentials (client '" + clientId + "' of realm '" + realm + "' got HTTP " + status
            + oauthError(web.getResponse()) + " from the token endpoint: check clientId, clientSecret and that "
            + "the client is confidential with service accounts enabled)", e);
      }
      if (status == 401) {
        return new IamException(IamException.Kind.UNAVAILABLE, "Keycloak refused the gateway's admin client "
            + "credentials (HTTP 401 on " + what + ": the access token of client '" + clientId
            + "' was not accepted)", e);
      }
      if (status == 403) {
        return new IamException(IamException.Kind.UNAVAILABLE, "Keycloak refused the gateway's admin client "
            + "credentials (HTTP 403 on " + what + ": the service account of client '" + clientId
            + "' lacks a realm-management role; it needs " + REQUIRED_ROLES + ")", e);
      }
      if (status == 404) {
        return new IamException(IamException.Kind.NOT_FOUND, what + " does not exist in Keycloak realm '" + realm
            + "'", e);
      }
      if (status == 409) {
        return new IamException(IamException.Kind.CONFLICT, what + " already exists in Keycloak realm '" + realm
            + "'", e);
      }
      if (status >= 500) {
        return new IamException(IamException.Kind.UNAVAILABLE, "Keycloak at " + url + " failed: HTTP " + status
            + (token ? " from the token endpoint" : " on " + what), e);
      }
      return new IamException(IamException.Kind.INVALID, "Keycloak refused " + what + ": HTTP " + status
          + keycloakError(web.getResponse()), e);
    }
    IOException io = find(t, IOException.class);
    if (io != null) {
      return unreachable(describe(io), e);
    }
    if (t instanceof ProcessingException) {
      return unreachable(rootMessage(t), e);
    }
    return new IamException(IamException.Kind.UNAVAILABLE, "Keycloak at " + url + " failed on " + what + ": "
        + rootMessage(t), e);
  }

  private IamException unreachable(String why, Throwable cause) {
    return new IamException(IamException.Kind.UNAVAILABLE, "Keycloak at " + url + " is unreachable: " + why, cause);
  }

  private String describe(IOException io) {
    if (io instanceof ConnectException) {
      return "connection refused";
    }
    if (io instanceof UnknownHostException) {
      return "unknown host " + io.getMessage();
    }
    if (io instanceof InterruptedIOException) {
      // SocketTimeoutException and HttpClient's ConnectTimeoutException are both of this kind
      return "no answer within " + timeout.toSeconds() + "s";
    }
    if (io instanceof javax.net.ssl.SSLException) {
      return "TLS failed: " + io.getMessage() + " (is caFile the CA that issued its certificate?)";
    }
    return io.getClass().getSimpleName() + (io.getMessage() == null ? "" : ": " + io.getMessage());
  }

  /** {@code : invalid_client} from an OAuth error answer, if readable. */
  private static String oauthError(Response response) {
    String body = body(response);
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"error\"\\s*:\\s*\"([a-z_]{1,40})\"")
        .matcher(body);
    return m.find() ? " " + m.group(1) : "";
  }

  /** {@code : <Keycloak's errorMessage>} from an admin API answer, if readable (at most 200 characters). */
  private static String keycloakError(Response response) {
    String body = body(response);
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"(?:errorMessage|error)\"\\s*:\\s*\"([^\"]{1,200})\"")
        .matcher(body);
    return m.find() ? " (" + m.group(1) + ")" : "";
  }

  private static String body(Response response) {
    try {
      if (response.hasEntity()) {
        String body = response.readEntity(String.class);
        return body == null ? "" : body;
      }
    } catch (RuntimeException e) {
      // already read or closed: the status says enough
    }
    return "";
  }

  private static <T extends Throwable> T find(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
