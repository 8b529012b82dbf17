package dev.portcullis.gateway.config;

import dev.portcullis.plugin.net.Cidr;
import dev.portcullis.gateway.net.HostPattern;
import dev.portcullis.gateway.policy.PolicySpec;
import dev.portcullis.gateway.tls.TlsPolicy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One validated configuration version. Immutable: a reload builds a new one and swaps it in whole.
 * Relative paths are already resolved against the directory that holds the configuration file.
 */
public record GatewayConfig(
    Path source,
    Path dataDir,
    int eventLoops,
    Listeners listeners,
    Limits limits,
    List<Cidr> trustedProxies,
    Normalization normalization,
    Reload reload,
    Map<String, List<Cidr>> networks,
    List<EmbeddedBackend> embeddedBackends,
    IdentityConfig identity,
    ClusterConfig cluster,
    AuditConfig audit,
    List<Route> routes,
    java.util.Set<String> managedNetworks) {

  /** Whether people and tokens can be authenticated (an {@code identity:} section is present). */
  public boolean identityEnabled() {
    return identity != null;
  }

  public record Listeners(PublicListener publicListener, RedirectListener redirect, AdminListener admin) {
  }

  /** The HTTPS listener that end users reach. */
  public record PublicListener(String host, int port, Tls tls, Hsts hsts, boolean http2) {
  }

  /** Certificate and key PEM files; both null means "generate a self-signed pair in the data directory". */
  public record Tls(Path cert, Path key, Duration reloadInterval, TlsPolicy.Engine engine) {
    public boolean selfSigned() {
      return cert == null;
    }
  }

  public record Hsts(Duration maxAge, boolean includeSubDomains, boolean preload) {
    public String headerValue() {
      return "max-age=" + maxAge.toSeconds() + (includeSubDomains ? "; includeSubDomains" : "")
          + (preload ? "; preload" : "");
    }
  }

  /** Optional plain-HTTP listener whose only job is to redirect to HTTPS. */
  public record RedirectListener(String host, int port, int httpsPort) {
  }

  public record AdminListener(String host, int port, Tls tls) {
  }

  public record Limits(
      int maxRequestLine,
      int maxHeaderSize,
      long maxBodySize,
      Duration idleTimeout,
      int maxConnections,
      Duration drainTimeout) {
  }

  /** How the path is canonicalised before anything looks at it (see PathNormalizer). */
  public record Normalization(boolean mergeSlashes) {
  }

  public record Reload(boolean watch, Duration interval) {
  }

  /** A Vert.x verticle started in the gateway's own process (the quick start's sample backends). */
  public record EmbeddedBackend(String verticle, String host, int port, Map<String, String> options) {
  }

  public record Route(
      String id,
      Match match,
      Upstream upstream,
      String replacePrefix,
      boolean preserveHost,
      long maxBodySize,
      boolean isPublic,
      List<PolicySpec> policies,
      Duration policyTimeout,
      Authentication authentication,
      AssertionSpec assertion,
      AuditConfig.Durability auditDurability) {
  }

  /**
   * Whether a route needs a known identity before its policies run. {@code REQUIRED} sends an
   * anonymous browser to the login page and answers an API client 401; {@code OPTIONAL} lets the
   * policies decide about anonymous requests.
   */
  public enum Authentication { REQUIRED, OPTIONAL }

  /**
   * The signed identity assertion for one route's upstream: which header carries it, its audience,
   * and whether the subject is a per-upstream pseudonym instead of the user id.
   */
  public record AssertionSpec(String header, String audience, boolean pseudonymous) {
  }

  /** Null fields match anything; an empty method set matches every method. */
  public record Match(HostPattern host, String pathPrefix, Pattern pathRegex, Set<String> methods) {
  }

  public record Upstream(
      List<URI> targets,
      Timeouts timeouts,
      Ejection ejection,
      Breaker circuitBreaker,
      UpstreamTls tls,
      int maxConnections) {
  }

  public record Timeouts(Duration connect, Duration responseHeader, Duration idle) {
  }

  /** Passive health: a target failing this many times in a row is skipped for {@code duration}. */
  public record Ejection(int consecutiveFailures, Duration duration) {
  }

  public record Breaker(int failureRateThreshold, int minimumCalls, int slidingWindowSize, Duration openDuration) {
  }

  /** TLS towards https:// targets: verification is on unless switched off explicitly. */
  public record UpstreamTls(boolean verify, Path caFile) {
  }
}
