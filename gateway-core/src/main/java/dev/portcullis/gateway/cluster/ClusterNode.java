package dev.portcullis.gateway.cluster;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.IndexType;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.portcullis.gateway.config.ClusterConfig;

/**
 * This instance's handle on the shared state: an embedded Hazelcast member (TCP-IP join with the
 * configured members, multicast and cloud auto-detection off) or a client of an external cluster.
 * Starting blocks (joining takes a moment): call {@link #start} from a worker.
 */
public final class ClusterNode {

  public static final String SESSIONS = "portcullis-sessions";
  public static final String LOGIN_FAILURES = "portcullis-login-failures";
  public static final String OIDC_STATES = "portcullis-oidc-states";
  /** Sign-ins that proved the password and still owe their second factor. */
  public static final String PENDING_LOGINS = "portcullis-pending-logins";
  /** Token buckets of policies such as rate-limit; each expires once it would be full again. */
  public static final String RATE_LIMITS = "portcullis-rate-limits";
  /** The last TOTP time step each user used (replay protection). */
  public static final String OTP_STEPS = "portcullis-otp-steps";
  public static final String IAM_CHANGES = "portcullis-iam-changes";
  /** Topic: a managed network set changed (every instance re-reads the sets and rebuilds its routes). */
  public static final String NETWORK_SETS = "portcullis-network-sets";
  /** Audit records of every instance, published only while someone tails them (see ClusterStream). */
  public static final String AUDIT_STREAM = "portcullis-audit-stream";
  /** Who tails the audit stream: entries with a TTL, refreshed by each live subscriber. */
  public static final String AUDIT_TAILS = "portcullis-audit-tails";

  private ClusterNode() {
  }

  public static HazelcastInstance start(ClusterConfig config, String instanceName) {
    boundCallbackThreads();
    if (config.mode() == ClusterConfig.Mode.CLIENT) {
      ClientConfig client = new ClientConfig();
      client.setClusterName(config.name());
      client.setInstanceName(instanceName);
      client.setProperty("hazelcast.logging.type", "slf4j");
      client.getNetworkConfig().setAddresses(config.members());
      client.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(30_000);
      return HazelcastClient.newHazelcastClient(client);
    }
    return Hazelcast.newHazelcastInstance(memberConfig(config, instanceName));
  }

  /**
   * Hazelcast completes its futures' callbacks on a default executor: the common fork-join pool,
   * or — when that pool has a parallelism of 1, as on every 2-core machine — a new thread per
   * callback. Measured here: two threads started per session lookup, and a tenth of the throughput.
   * Give it two long-lived threads instead (an internal Hazelcast hook, checked on upgrade by
   * ClusterNodeTest).
   */
  static synchronized void boundCallbackThreads() {
    if (java.util.concurrent.ForkJoinPool.getCommonPoolParallelism() > 1 || callbackThreads != null) {
      return;
    }
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    callbackThreads = java.util.concurrent.Executors.newFixedThreadPool(2, runnable -> {
      Thread thread = new Thread(runnable, "portcullis-cluster-callbacks-" + n.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    com.hazelcast.internal.util.ConcurrencyUtil.setDefaultAsyncExecutor(callbackThreads);
  }

  private static java.util.concurrent.ExecutorService callbackThreads;

  /**
   * What {@code /readyz} shows of the cluster: the mode, the cluster name and how many members this
   * instance sees (0 once its member or client has stopped).
   */
  public static io.vertx.core.json.JsonObject describe(HazelcastInstance hazelcast, ClusterConfig config) {
    int members;
    try {
      members = hazelcast.getCluster().getMembers().size();
    } catch (RuntimeException stopped) { // HazelcastInstanceNotActiveException while shutting down
      members = 0;
    }
    return new io.vertx.core.json.JsonObject().put("mode", config.mode().name().toLowerCase(java.util.Locale.ROOT))
        .put("name", config.name()).put("members", members);
  }

  static Config memberConfig(ClusterConfig config, String instanceName) {
    Config hz = new Config();
    hz.setClusterName(config.name());
    hz.setInstanceName(instanceName);
    hz.setProperty("hazelcast.logging.type", "slf4j");
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    // The gateway shuts Hazelcast down itself, after draining requests that may still need it.
    hz.setProperty("hazelcast.shutdownhook.enabled", "false");
    hz.getNetworkConfig().setPort(config.port()).setPortAutoIncrement(config.portAutoIncrement());
    hz.getNetworkConfig().getInterfaces().setEnabled(true).addInterface(config.host());
    hz.setProperty("hazelcast.local.localAddress", config.host());
    JoinConfig join = hz.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(config.members().isEmpty()
        ? java.util.List.of(config.host()) : config.members());
    hz.addMapConfig(new MapConfig(SESSIONS).setBackupCount(config.sessionBackups())
        .addIndexConfig(new com.hazelcast.config.IndexConfig(IndexType.HASH, "userId")));
    hz.addMapConfig(new MapConfig(LOGIN_FAILURES).setBackupCount(Math.max(1, config.sessionBackups())));
    hz.addMapConfig(new MapConfig(OIDC_STATES).setBackupCount(Math.max(1, config.sessionBackups())));
    hz.addMapConfig(new MapConfig(PENDING_LOGINS).setBackupCount(Math.max(1, config.sessionBackups()))
        .addIndexConfig(new com.hazelcast.config.IndexConfig(IndexType.HASH, "userId")));
    // bounded: a flood of fresh keys evicts the least recently used buckets (an evicted bucket is a full one)
    hz.addMapConfig(new MapConfig(RATE_LIMITS).setBackupCount(Math.max(1, config.sessionBackups()))
        .setEvictionConfig(new com.hazelcast.config.EvictionConfig()
            .setEvictionPolicy(com.hazelcast.config.EvictionPolicy.LRU)
            .setMaxSizePolicy(com.hazelcast.config.MaxSizePolicy.PER_NODE).setSize(500_000)));
    hz.addMapConfig(new MapConfig(OTP_STEPS).setBackupCount(Math.max(1, config.sessionBackups())));
    return hz;
  }
}
