package dev.portcullis.gateway.identity.store;

import dev.portcullis.gateway.config.IdentityConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The store contract on an embedded H2 file, the quick start's default. */
class H2IamStoreTest extends IamStoreContract {

  @TempDir
  Path dir;

  @Override
  protected IdentityConfig.Store emptyStore() {
    return emptyStoreSameAsLast();
  }

  @Override
  protected IdentityConfig.Store emptyStoreSameAsLast() {
    return new IdentityConfig.Store("jdbc:h2:file:" + dir.resolve("iam").toAbsolutePath(), null, null, 4, false,
        Duration.ofSeconds(30));
  }

  @Test
  void anUnreachableStoreSaysWhereItLookedWithoutThePassword() {
    IdentityConfig.Store broken = new IdentityConfig.Store(
        "jdbc:postgresql://127.0.0.1:1/nothing?password=hunter2", "x", "hunter2", 1, false, Duration.ofSeconds(1));
    assertThatThrownBy(() -> Database.open(broken))
        .isInstanceOf(IamException.class)
        .hasMessageContaining("cannot open the IAM store at jdbc:postgresql://127.0.0.1:1/nothing?password=***")
        .hasMessageNotContaining("hunter2");
  }
}
