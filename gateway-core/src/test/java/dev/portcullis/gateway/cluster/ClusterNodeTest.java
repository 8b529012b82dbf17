package dev.portcullis.gateway.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.portcullis.gateway.config.ClusterConfig;
import dev.portcullis.gateway.support.ForkedGateway;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class ClusterNodeTest {

  @Test
  void clusterCallsDoNotStartAThreadEach() {
    ClusterConfig config = new ClusterConfig(ClusterConfig.Mode.EMBEDDED, "t-" + UUID.randomUUID(), "127.0.0.1",
        ForkedGateway.freePort(), false, List.of(), 1);
    HazelcastInstance member = ClusterNode.start(config, "test-" + UUID.randomUUID());
    Vertx vertx = Vertx.vertx();
    try {
      IMap<String, String> map = member.getMap("t");
      map.set("k", "v");
      long before = ManagementFactory.getThreadMXBean().getTotalStartedThreadCount();
      List<Future<String>> reads = new ArrayList<>();
      TestGateway.await(vertx.getOrCreateContext().<Void>executeBlocking(() -> null)); // warm the context
      for (int i = 0; i < 500; i++) {
        reads.add(ClusterFutures.onContext(map.getAsync("k"), vertx));
      }
      TestGateway.await(Future.all(reads));
      assertThat(reads).allSatisfy(f -> assertThat(f.result()).isEqualTo("v"));
      long started = ManagementFactory.getThreadMXBean().getTotalStartedThreadCount() - before;
      assertThat(started).as("threads started for 500 reads").isLessThan(20);
    } finally {
      TestGateway.await(vertx.close());
      member.shutdown();
    }
  }
}
