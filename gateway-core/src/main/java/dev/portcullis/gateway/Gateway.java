package dev.portcullis.gateway;

import dev.portcullis.gateway.admin.AdminApi;
import dev.portcullis.gateway.admin.AdminServer;
import dev.portcullis.gateway.admin.Health;
import dev.portcullis.gateway.admin.AuditAdmin;
import dev.portcullis.gateway.audit.AuditQueries;
import dev.portcullis.gateway.audit.AuditService;
import dev.portcullis.gateway.audit.ClusterStream;
import dev.portcullis.gateway.config.ConfigProblem;
import dev.portcullis.gateway.config.GatewayConfig;
import dev.portcullis.gateway.identity.IdentityServices;
import dev.portcullis.gateway.listener.PublicListener;
import dev.portcullis.gateway.listener.RedirectListener;
import dev.portcullis.gateway.observe.GatewayMetrics;
import dev.portcullis.gateway.observe.RequestObserver;
import dev.portcullis.gateway.pipeline.RequestPipeline;
import dev.portcullis.gateway.policy.PluginRegistry;
import dev.portcullis.gateway.tls.CertificateFiles;
import dev.portcullis.gateway.tls.CertificateReloader;
import dev.portcullis.gateway.tls.TlsPolicy;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * One running gateway: its Vert.x instance, listeners, the current request pipeline and the
 * watchers that replace it. The listeners never change while running (a changed listener section
 * takes effect on restart); routes, upstreams and limits per route are swapped atomically on reload.
 */
public final class Gateway {

  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  private final Vertx vertx;
  private final GatewayConfig initial;
  private final Health health = new Health();
  private final GatewayMetrics metrics = new GatewayMetrics();
  private final RequestObserver observer = new RequestObserver(metrics);
  private final AtomicReference<RequestPipeline> pipeline = new AtomicReference<>();
  private final List<PublicListener> listeners = new CopyOnWriteArrayList<>();
  private final List<CertificateReloader> certificateReloaders = new ArrayList<>();
  private final AdminServer admin;
  private final RedirectListener redirect;
  private final ConfigWatcher watcher;
  private final PluginRegistry plugins;
  /** What sessions, second factors and policies decide by (tests move it; the journal keeps real time). */
  private final Clock clock;
  private dev.portcullis.plugin.limits.TokenBuckets buckets;
  private IdentityServices identity;
  private AuditService audit;
  private ClusterStream clusterStream;
  private final Function<String, String> env;
  /** The current contents of the network sets gateway.yaml declares {@code managed}. */
  private final AtomicReference<java.util.Map<String, List<dev.portcullis.plugin.net.Cidr>>> managedNetworks =
      new AtomicReference<>(java.util.Map.of());
  private java.util.UUID networkListener;

  private Gateway(Vertx vertx, GatewayConfig config, Function<String, String> env, PluginRegistry plugins,
      Clock clock) {
    this.clock = clock;
    this.vertx = vertx;
    this.env = env;
    this.initial = config;
    this.plugins = plugins;
    this.admin = new AdminServer(config.listeners().admin(), health, metrics);
    this.redirect = config.listeners().redirect() == null ? null : new RedirectListener(config.listeners().redirect());
    this.watcher = new ConfigWatcher(vertx, config.source(), env, plugins, new ConfigWatcher.Listener() {
      @Override
      public Future<Void> applied(GatewayConfig next) {
        return apply(next);
      }

      @Override
      public void rejected(List<ConfigProblem> problems) {
        metrics.configReload(false);
        health.reloadRejected(config.source().toString(), problems.stream().map(ConfigProblem::toString).toList());
      }
    }, managedNetworks::get);
  }

  /** Starts a gateway on a validated configuration, with the policy plugins of the class path. */
  public static Future<Gateway> start(GatewayConfig config, Function<String, String> env) {
    return start(config, env, PluginRegistry.classpath());
  }

  /**
   * Starts a gateway on a validated configuration.
   *
   * @param plugins the installed policy plugins; the same set validates every reloaded file
   */
  public static Future<Gateway> start(GatewayConfig config, Function<String, String> env, PluginRegistry plugins) {
    return start(config, env, plugins, Clock.systemUTC());
  }

  /** As above, deciding by {@code clock} (sessions, second factors, policies). */
  public static Future<Gateway> start(GatewayConfig config, Function<String, String> env, PluginRegistry plugins,
      Clock clock) {
    Vertx vertx = Vertx.vertx(new VertxOptions()
        .setEventLoopPoolSize(config.eventLoops())
        .setPreferNativeTransport(true));
    Gateway gateway = new Gateway(vertx, config, env, plugins, clock);
    // Reported through a plain CompletableFuture: after a failed start Vert.x is closed, and a future of one of
    // its contexts would hand its callbacks to event loops that are gone, so the failure would never arrive.
    java.util.concurrent.CompletableFuture<Gateway> result = new java.util.concurrent.CompletableFuture<>();
    gateway.startAll().onComplete(started -> {
      if (started.succeeded()) {
        result.complete(gateway);
        return;
      }
      (gateway.identity == null ? Future.<Void>succeededFuture() : gateway.identity.close())
          .eventually(() -> gateway.audit == null ? Future.succeededFuture() : gateway.audit.close())
          .onComplete(released -> {
            Thread closer = new Thread(() -> {
              try {
                vertx.close().toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
              } catch (Exception e) {
                LOG.warn("Vert.x did not close cleanly after the failed start: {}", e.toString());
              }
              result.completeExceptionally(started.cause());
            }, "portcullis-failed-start");
            closer.setDaemon(true);
            closer.start();
          });
    });
    return Future.fromCompletionStage(result);
  }

  /** What start-up reads from disk before anything listens. */
  private record StartMaterial(CertificateFiles publicFiles, CertificateFiles.Loaded publicCert,
      CertificateFiles adminFiles, CertificateFiles.Loaded adminCert, byte[] configText) {
  }

  private Future<Void> startAll() {
    GatewayConfig config = initial;
    if (config.identityEnabled()) {
      String problem = AdminApi.bootstrapTokenProblem(env.apply(AdminApi.BOOTSTRAP_ENV));
      if (problem != null) {
        return Future.failedFuture(new IllegalStateException(problem)); // before anything starts
      }
    }
    GatewayConfig.PublicListener pub = config.listeners().publicListener();
    GatewayConfig.AdminListener adminConfig = config.listeners().admin();
    return vertx.executeBlocking(() -> {
          CertificateFiles publicFiles = CertificateFiles.resolve(pub.tls(), config.dataDir());
          CertificateFiles adminFiles = adminConfig.tls().equals(pub.tls()) ? publicFiles
              : CertificateFiles.resolve(adminConfig.tls(), config.dataDir());
          return new StartMaterial(publicFiles, publicFiles.load(), adminFiles, adminFiles.load(),
              java.nio.file.Files.readAllBytes(config.source()));
        }, false)
        .compose(material -> startAudit(config).map(material))
        .compose(material -> startIdentity(config).map(material))
        .compose(material -> withManagedNetworks(config, material.configText())
            .map(effective -> new Started(material, effective)))
        .compose(started -> deployEmbeddedBackends(config, started.material().publicFiles().cert()).map(started))
        .compose(started -> {
          StartMaterial material = started.material();
          pipeline.set(new RequestPipeline(vertx, started.config(), observer, metrics, identity, audit.log(), clock,
              buckets()));
          // Port 0 (tests) would give each instance its own port, so it gets one instance.
          int instances = pub.port() == 0 ? 1 : config.eventLoops();
          Future<String> publicStarted = vertx.deployVerticle(() -> {
            PublicListener listener = new PublicListener(pub, config.limits(), material.publicCert().options(),
                pipeline, metrics.publicConnections());
            listeners.add(listener);
            return listener;
          }, new DeploymentOptions().setInstances(instances));
          Future<HttpServer> adminStarted = admin.start(vertx, material.adminCert().options());
          Future<HttpServer> redirectStarted = redirect == null ? Future.succeededFuture() : redirect.start(vertx);
          return Future.all(publicStarted, adminStarted, redirectStarted).map(v -> {
            watchCertificates(material, pub, adminConfig);
            watcher.start(config.reload(), material.configText());
            health.component("config", true);
            health.component("listeners", true);
            metrics.configReload(true);
            health.reloadApplied(config.source().toString());
            LOG.info("Network transport: {}; {} event loop(s)", vertx.isNativeTransportEnabled() ? "native (epoll)"
                : "NIO", config.eventLoops());
            LOG.info("TLS engine: {}", TlsPolicy.engine(pub.tls().engine()) instanceof io.vertx.core.net.OpenSSLEngineOptions
                ? io.netty.handler.ssl.OpenSsl.versionString() + " (netty-tcnative)" : "JDK SSLEngine");
            LOG.info("Portcullis started: public https://{}:{}, admin https://{}:{}{}; {} route(s)",
                pub.host(), publicPort(), adminConfig.host(), adminPort(),
                redirect == null ? "" : ", redirect http://" + config.listeners().redirect().host() + ":"
                    + redirectPort(),
                config.routes().size());
            return null;
          });
        });
  }

  private record Started(StartMaterial material, GatewayConfig config) {
  }

  /**
   * The configuration with the current contents of its managed network sets (read from the IAM
   * store), and from now on re-applied whenever an instance says a set changed.
   */
  private Future<GatewayConfig> withManagedNetworks(GatewayConfig config, byte[] text) {
    if (identity == null) {
      return Future.succeededFuture(config);
    }
    // on a worker: in client mode, getting a topic and listening to it are remote calls
    return vertx.executeBlocking(() -> networkListener = identity.hazelcast().<String>getTopic(
            dev.portcullis.gateway.cluster.ClusterNode.NETWORK_SETS).addMessageListener(message -> readManagedNetworks()
            .onSuccess(v -> watcher.reapply())
            .onFailure(e -> LOG.error("Cannot read the managed network sets; routes keep the previous ones: {}",
                e.toString()))), false)
        .compose(listening -> readManagedNetworks())
        .compose(v -> config.managedNetworks().isEmpty() ? Future.succeededFuture(config)
            : vertx.executeBlocking(() -> dev.portcullis.gateway.config.ConfigLoader.parse(
                new String(text, java.nio.charset.StandardCharsets.UTF_8), config.source().toString(),
                config.source().getParent(), config.source(), env, plugins, managedNetworks.get()), false));
  }

  private Future<Void> readManagedNetworks() {
    return identity.iam().blocking(() -> dev.portcullis.gateway.identity.store.Sql.withConnection(
        identity.dataSource(), "network sets", c -> new dev.portcullis.gateway.identity.store.Directory(clock)
            .networkSets(c))).map(sets -> {
              java.util.Map<String, List<dev.portcullis.plugin.net.Cidr>> out = new java.util.TreeMap<>();
              sets.forEach(set -> out.put(set.name(), set.cidrs().stream().map(dev.portcullis.plugin.net.Cidr::parse)
                  .toList()));
              managedNetworks.set(java.util.Map.copyOf(out));
              return null;
            });
  }

  private void watchCertificates(StartMaterial material, GatewayConfig.PublicListener pub,
      GatewayConfig.AdminListener adminConfig) {
    CertificateReloader publicReloader = new CertificateReloader(vertx, "public", material.publicFiles(),
        pub.http2(), material.publicCert(), () -> listeners.stream().map(PublicListener::server).toList());
    CertificateReloader adminReloader = new CertificateReloader(vertx, "admin", material.adminFiles(), false,
        material.adminCert(), () -> List.of(admin.server()));
    publicReloader.start(pub.tls().reloadInterval());
    adminReloader.start(adminConfig.tls().reloadInterval());
    certificateReloaders.add(publicReloader);
    certificateReloaders.add(adminReloader);
  }

  /** Policies' token buckets: in the cluster when there is one, else in this process. Made once. */
  private dev.portcullis.plugin.limits.TokenBuckets buckets() {
    if (buckets == null) {
      buckets = identity != null
          ? new dev.portcullis.gateway.limits.ClusterTokenBuckets(vertx, identity.hazelcast(), clock)
          : new dev.portcullis.gateway.limits.LocalTokenBuckets(clock);
    }
    return buckets;
  }

  private Future<Void> startAudit(GatewayConfig config) {
    Path configDir = config.source().toAbsolutePath().getParent();
    return AuditService.start(vertx, config.audit(), Clock.systemUTC(), metrics, (available, reason) -> {
      health.component("audit", available);
      if (!available) {
        LOG.error("Not ready: {}", reason);
      }
    }, configDir).map(service -> {
      audit = service;
      health.component("audit", true);
      return null;
    });
  }

  private Future<Void> startIdentity(GatewayConfig config) {
    if (!config.identityEnabled()) {
      return Future.succeededFuture();
    }
    return IdentityServices.start(vertx, config, clock, metrics, audit.log()).compose(services -> {
      identity = services;
      audit.log().pseudonyms(services.iam()::auditPseudonym);
      AuditQueries queries = new AuditQueries(audit.journal(), config.audit().signingKey(),
          config.audit().encryptionKey());
      clusterStream = new ClusterStream(vertx, services.hazelcast(), queries);
      AdminApi api = new AdminApi(vertx, services, audit.log(), clock,
          services.writeThrough(), pipeline::get, () -> services.hazelcast()
              .getTopic(dev.portcullis.gateway.cluster.ClusterNode.NETWORK_SETS).publish("changed"));
      admin.extend(api::mount);
      admin.extend(new AuditAdmin(vertx, queries, audit.log(), services, clusterStream, api)::mount);
      admin.extend(api::mountFallbacks);
      health.component("identity", true);
      health.detail("cluster", () -> dev.portcullis.gateway.cluster.ClusterNode.describe(services.hazelcast(),
          config.cluster()));
      return api.start(env.apply(AdminApi.BOOTSTRAP_ENV)).mapEmpty();
    });
  }

  /**
   * Starts the demo backends; each learns where the gateway's public certificate is
   * ({@code gatewayCertificate}), so that the records backend can fetch the JWKS over verified TLS.
   */
  private Future<Void> deployEmbeddedBackends(GatewayConfig config, Path publicCert) {
    List<Future<String>> deployed = new ArrayList<>();
    for (GatewayConfig.EmbeddedBackend backend : config.embeddedBackends()) {
      LOG.info("Starting embedded backend {} on {}:{} (for demos and tests, not for production)",
          backend.verticle(), backend.host(), backend.port());
      deployed.add(vertx.deployVerticle(backend.verticle(), new DeploymentOptions().setConfig(
          new JsonObject(new java.util.HashMap<>(backend.options())).put("host", backend.host())
              .put("port", backend.port()).put("gatewayCertificate", publicCert.toString()))));
    }
    return Future.all(deployed).mapEmpty();
  }

  /** Swaps in a new configuration version; the previous pipeline's pools close once drained. */
  Future<Void> apply(GatewayConfig next) {
    GatewayConfig running = pipeline.get().config();
    if (!Objects.equals(next.listeners(), running.listeners()) || !Objects.equals(next.limits(), running.limits())
        || next.eventLoops() != running.eventLoops()
        || !Objects.equals(next.embeddedBackends(), running.embeddedBackends())
        || !Objects.equals(next.dataDir(), running.dataDir())) {
      LOG.warn("Configuration reload: changes to listeners, the listener limits (request line, headers, idle "
          + "time, connections), eventLoops, dataDir or embeddedBackends take effect on the next restart; "
          + "routes and everything else are applied now");
    }
    if (next.identityEnabled() != running.identityEnabled()) {
      return Future.failedFuture(new IllegalStateException("adding or removing the identity: section needs a "
          + "restart; the running configuration stays"));
    }
    if (!Objects.equals(next.identity(), running.identity()) || !Objects.equals(next.cluster(), running.cluster())
        || !Objects.equals(next.audit(), running.audit())) {
      LOG.warn("Configuration reload: changes to the identity:, cluster: and audit: sections take effect on the "
          + "next restart (a route's audit durability applies now)");
    }
    if (identity != null) {
      identity.updateHosts(next);
    }
    RequestPipeline previous = pipeline.getAndSet(new RequestPipeline(vertx, next, observer, metrics, identity,
        audit.log(), clock, buckets()));
    // Requests already inside the old version (e.g. waiting on a policy) still use its upstream
    // clients: close them only after the drain time, then give stragglers a few more seconds.
    vertx.setTimer(Math.max(1, running.limits().drainTimeout().toMillis()),
        id -> previous.retire(java.time.Duration.ofSeconds(5)));
    metrics.configReload(true);
    health.reloadApplied(next.source().toString());
    LOG.info("Configuration reloaded from {}: {} route(s)", next.source(), next.routes().size());
    return Future.succeededFuture();
  }

  /** Re-reads the configuration file now (what SIGHUP does). Resolves to whether it was applied. */
  public Future<Boolean> reload() {
    return watcher.check(true);
  }

  /**
   * Graceful stop: readiness turns false, listeners stop accepting, in-flight requests get up to the
   * configured drain time to finish, then everything closes.
   */
  public Future<Void> shutdown() {
    health.draining();
    watcher.stop();
    certificateReloaders.forEach(CertificateReloader::stop);
    long drainMillis = initial.limits().drainTimeout().toMillis();
    LOG.info("Shutting down: draining in-flight requests for up to {} ms", drainMillis);
    List<Future<Void>> drains = new ArrayList<>();
    listeners.forEach(l -> drains.add(l.drain(drainMillis)));
    return Future.join(drains)
        .eventually(() -> redirect == null ? Future.succeededFuture() : redirect.close())
        .eventually(admin::close)
        .eventually(() -> {
          if (clusterStream != null) {
            clusterStream.close();
          }
          // (the topic's listener goes with the Hazelcast member, which the identity services shut down)
          return identity == null ? Future.succeededFuture() : identity.close();
        })
        .eventually(() -> audit.close())
        .eventually(() -> vertx.close())
        .onComplete(ar -> plugins.close())
        .onComplete(ar -> LOG.info("Portcullis stopped"))
        .mapEmpty();
  }

  public Health health() {
    return health;
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  public Vertx vertx() {
    return vertx;
  }

  public int publicPort() {
    return listeners.get(0).server().actualPort();
  }

  public int adminPort() {
    return admin.server().actualPort();
  }

  public int redirectPort() {
    return redirect == null ? -1 : redirect.server().actualPort();
  }

  /** The identity services, or null when the configuration has no identity section. */
  public IdentityServices identity() {
    return identity;
  }

  /** The audit journal and its shippers. */
  public AuditService audit() {
    return audit;
  }

  public Path dataDir() {
    return initial.dataDir();
  }
}
