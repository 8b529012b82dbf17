package dev.portcullis.gateway.identity.mfa;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.portcullis.gateway.cluster.ClusterNode;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Remembers, cluster-wide, the last time step whose code each user used: a code (and any code of
 * an earlier step) is accepted once, on whichever instance sees it first (RFC 6238, 5.2). Entries
 * live a little longer than the acceptance window, after which an old code is out of it anyway.
 *
 * <p>Plain map operations under the key's lock, on a worker: an external cluster in client mode
 * needs none of the gateway's classes.
 */
public final class OtpReplayGuard {

  private final IMap<String, Long> map;
  private final WorkerExecutor workers;

  public OtpReplayGuard(HazelcastInstance hazelcast, WorkerExecutor workers) {
    this.map = hazelcast.getMap(ClusterNode.OTP_STEPS);
    this.workers = workers;
  }

  /** True when {@code step} is newer than every step this user used before (and is now recorded). */
  public Future<Boolean> claim(String userId, long step, Duration period) {
    return workers.executeBlocking(() -> {
      map.lock(userId, 10, TimeUnit.SECONDS);
      try {
        Long last = map.get(userId);
        if (last != null && step <= last) {
          return false;
        }
        map.set(userId, step, period.multipliedBy(4).toSeconds(), TimeUnit.SECONDS);
        return true;
      } finally {
        map.unlock(userId);
      }
    }, false);
  }
}
